from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        -- aerich's own table, which tracks every app's applied migrations.
CREATE TABLE IF NOT EXISTS "aerich" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSONB NOT NULL
);
-- One order for every message change in every room (see sanic_chat/messages.py).
CREATE SEQUENCE IF NOT EXISTS "chat_message_seq";"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        """


MODELS_STATE = (
    "eJzdlF9r2zAUxb9K8FMH22i99A99S8PGNtoE2jAGo4hrWbFFZMmVrteWLt99unJSOU4a1p"
    "fB9hafe6R77o9cPSUOtOSMl4DvR8JKXibng6dEQyX8jx3Vt4ME6nqzRiJCpsIRiL7MoQWO"
    "Xp2DcsJLuXDcyhql0V7VjVIkGu6NUhdRarS8awRDUwgshfWFH7deljoXD8KtP+sFm0uh8o"
    "3IMqfeQWf4WAfti8ZPwUjdMsaNaiodzfUjlkY/u6UOExVCCwso6Hq0DcWndKs51xO1SaOl"
    "jdg5k4s5NAo742Ysagljk+mM3XycMZa8AhA3muD6qC5MX1CEd+nR8HR49uFkeOYtIeazcr"
    "psW0cw7cGAZzJLlqEOCK0jMI5QfwrrKNIW2XEJdjfazpEeXx+8z3dNcx/gtRAJx3/V30Bc"
    "wQNTQhdIK5IeH+8B+m10Pf48uj7wrjfU0vg1aLdjsiqlbY2oR8q0WK8gvLL/h3SPDg//gK"
    "53vUg31Dbp+o4o2tXeJPz1ZjrZTbhzpEc5lxwHvwZKuq234h+gvQcuwaCbK+fuVJfpwdXo"
    "ex/3+HJ6EeAYh4UNt4QLLjx6eqDni85rQkIGfHEPNmdbFZOal7zbpSqt+gpoKAJImni5/A"
    "15MS0r"
)
