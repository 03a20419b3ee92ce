async def test_register_login_me(client, register):
    alice = await register("alice")
    _, response = await client.get("/api/user/me", headers=alice.headers)
    assert response.status == 200
    assert response.json["username"] == alice.username
