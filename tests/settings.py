"""Settings every test app and live server shares."""

import secrets

PASSWORD = "correct horse battery"

# Cheap hashing keeps registration fast in tests; production uses argon2's recommended cost.
# Secrets are drawn per run: the service refuses any secret published in this repository.
TEST_SETTINGS = {
    "JWT_ACCESS_SECRET": secrets.token_urlsafe(48),
    "REFRESH_TOKEN_SECRET": secrets.token_urlsafe(48),
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_COST": 1024,
}
