# syntax=docker/dockerfile:1
FROM python:3.12-slim AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 chat
WORKDIR /app

COPY pyproject.toml README.md ./
COPY sanic_chat ./sanic_chat
COPY plugins ./plugins
COPY aerich_migrations ./aerich_migrations
RUN pip install .

USER chat
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"3000\")}/api/health', timeout=2)"

# `serve` applies pending migrations before the workers start.
CMD ["sanic-chat", "serve"]
