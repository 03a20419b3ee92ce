"""The one assertion about error responses every test uses: the problem+json shape."""


def assert_problem(response, status: int, code: str | None = None) -> dict:
    """Assert `response` is the project's error document with this status (and code).

    Takes a sanic-testing response or an httpx one (live-server tests).
    """
    actual = response.status_code if hasattr(response, "status_code") else response.status
    assert actual == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json() if callable(response.json) else response.json
    assert body["status"] == status
    assert {"type", "title", "status", "code"} <= body.keys()
    if code is not None:
        assert body["code"] == code, body
    return body
