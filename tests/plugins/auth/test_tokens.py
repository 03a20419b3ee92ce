"""The token signer on its own: what a remembered (already verified) token still has to pass."""

from __future__ import annotations

import time
import uuid

import pytest

from sanic_chat import Unauthorized
from sanic_chat_auth import tokens
from sanic_chat_auth.tokens import ACCESS, REFRESH, TokenSigner

SECRET = "a-secret-of-at-least-thirty-two-bytes"


def test_a_remembered_token_still_expires(monkeypatch):
    signer = TokenSigner(SECRET, ACCESS, lifetime=60, remember=8)
    issued = signer.issue(uuid.uuid4())
    assert signer.verify(issued.token) == issued.claims
    assert signer.verify(issued.token) == issued.claims  # now from memory

    later = time.time() + 61
    monkeypatch.setattr(tokens.time, "time", lambda: later)
    with pytest.raises(Unauthorized) as refused:
        signer.verify(issued.token)
    assert refused.value.code == "token_expired"


def test_memory_never_admits_a_token_that_failed():
    signer = TokenSigner(SECRET, ACCESS, lifetime=60, remember=8)
    other_type = TokenSigner(SECRET, REFRESH, lifetime=60).issue(uuid.uuid4()).token
    for _ in range(2):
        with pytest.raises(Unauthorized):
            signer.verify(other_type)
    tampered = signer.issue(uuid.uuid4()).token[:-2] + "xx"
    for _ in range(2):
        with pytest.raises(Unauthorized):
            signer.verify(tampered)
