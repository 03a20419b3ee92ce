# syntax=docker/dockerfile:1

# Builder: compilers for any dependency without a wheel for this platform; everything it produces
# is a wheel, so the runtime image needs neither the compilers nor the sources' build backend.
FROM python:3.12-slim AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src

# Dependencies first, from pyproject.toml alone: editing the sources does not rebuild this layer.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt \
    && pip wheel --wheel-dir /wheels/deps -r requirements.txt

COPY README.md ./
COPY sanic_chat ./sanic_chat
COPY plugins ./plugins
RUN pip wheel --no-deps --wheel-dir /wheels/app .


FROM python:3.12-slim AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 chat
WORKDIR /app

# Wheels are mounted, not copied, so they take no room in the image.
RUN --mount=type=bind,from=builder,source=/wheels/deps,target=/wheels/deps \
    pip install --no-index /wheels/deps/*.whl
RUN --mount=type=bind,from=builder,source=/wheels/app,target=/wheels/app \
    pip install --no-index --no-deps /wheels/app/*.whl

USER chat
EXPOSE 3000
# Liveness: the worker answers. Readiness (/api/health/ready) is what docker-compose.yml and load
# balancers route by; a database outage must not mark the container for a restart.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"3000\")}/api/health', timeout=2)"

# `serve` applies pending migrations (shipped inside the wheel) before the workers start.
# SIGTERM drains: new connections refused, commands under way answered, sockets closed with 1001.
STOPSIGNAL SIGTERM
CMD ["sanic-chat", "serve"]
