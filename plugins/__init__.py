"""The built-in feature plugins. Each registers through the `sanic_chat` entry-point group,
exactly as a third-party plugin does."""
