"""Web plugin: a small browser client for the service, served at `/`.

Plain HTML, CSS and JavaScript modules shipped in the package: nothing to build, nothing loaded
from another origin, so it works offline. Disable it with `PLUGINS_DISABLED=web`.
"""

from sanic_chat import hookimpl


@hookimpl
def chat_register_blueprints():
    from .routes import web_blueprint

    return [web_blueprint()]
