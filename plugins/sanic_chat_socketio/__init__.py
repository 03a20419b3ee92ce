"""Socket.IO plugin: the seed's clients (socket.io-client 4.x) connect unchanged.

`pip install "sanic-chat[socketio]"` brings python-socketio; without it the plugin stays out of
the way, with one line in the log. It serves `/socket.io/` on the service's port and sends the
seed's events (`onGroupCreate`, `onConverMessageCreate`, ...) to every device of every user
entitled to them: see `seed.py` for the mapping and `server.py` for the connection rules.
"""

from __future__ import annotations

import logging

from sanic_chat import hookimpl

log = logging.getLogger("sanic_chat.socketio")


def available() -> bool:
    """Is python-socketio importable (the `socketio` extra installed)?"""
    try:
        import socketio  # noqa: F401
    except ImportError:
        return False
    return True


@hookimpl
def chat_register_blueprints():
    if not available():
        return []
    from .routes import socketio_blueprint

    return [socketio_blueprint()]


@hookimpl
def chat_configure_app(app):
    if not available():
        log.info(
            "socketio plugin inactive: python-socketio is not installed "
            '(pip install "sanic-chat[socketio]")'
        )
        return
    from .server import SocketIOServer

    server = SocketIOServer(app)
    app.ctx.socketio = server
    app.ctx.hub.observe(server.offer)

    @app.before_server_start
    async def start_socketio(app):
        await server.start()

    @app.before_server_stop
    async def stop_socketio(app):
        await server.stop()
