"""Settings every test app and live server shares."""

PASSWORD = "correct horse battery"

# Cheap hashing keeps registration fast in tests; production uses argon2's recommended cost.
TEST_SETTINGS = {
    "JWT_ACCESS_SECRET": "test-access-secret-0123456789abcdef",
    "REFRESH_TOKEN_SECRET": "test-refresh-secret-0123456789abcdef",
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_COST": 1024,
}
