# syntax=docker/dockerfile:1
# Brigade: one image for every role. The command picks it:
#   docker build -t brigade .
#   docker run -p 8000:8000 -v brigade-data:/data brigade          # run (the default CMD)
#   docker run --env-file brigade.env brigade migrate               # once per deploy
#   docker run --env-file brigade.env brigade worker
#   docker run --env-file brigade.env brigade create-admin --email ops@park.example.com
# Without BRIGADE_DATABASE_URL the container runs the one-box default: embedded PostgreSQL
# and local object storage in /data (mount a volume there). See docs/deploy.md.

# --- UI: annotation_ui/ builds to annotation_ui/dist -------------------------------------------
FROM node:20 AS ui
WORKDIR /src/annotation_ui
COPY annotation_ui/package.json annotation_ui/package-lock.json ./
# No --omit=optional: it would drop the rollup/esbuild native binaries vite needs.
RUN npm ci --no-audit --no-fund
COPY annotation_ui/ ./
RUN npm run build

# --- Python app ---------------------------------------------------------------------------------
FROM python:3.11-slim AS app

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system --gid 10001 brigade \
    && useradd --system --uid 10001 --gid brigade --home-dir /home/brigade --create-home \
       --shell /usr/sbin/nologin brigade

WORKDIR /app

# Dependencies first, in their own layer, so code changes do not reinstall them.
COPY pyproject.toml README.md ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY alembic.ini ./
COPY app ./app
COPY workers ./workers
COPY migrations ./migrations
# Editable on purpose. app/runtime.py finds alembic.ini and migrations/, and app/main.py finds
# annotation_ui/dist, relative to the directory that holds app/. A regular `pip install .` would
# put app/ in site-packages, away from all three (the wheel carries neither alembic.ini nor the
# UI). Installed from /app, the package runs from /app/app, so /app is that directory.
RUN pip install --no-deps -e .

COPY --from=ui /src/annotation_ui/dist ./annotation_ui/dist

RUN mkdir -p /data && chown brigade:brigade /data

# Container defaults. Everything else (database URL, secret key, S3) comes from the environment
# at run time, never from the image.
ENV BRIGADE_DATA_DIR=/data \
    BRIGADE_LOG_JSON=true \
    BRIGADE_SERVER__PORT=8000

USER brigade
VOLUME ["/data"]
EXPOSE 8000

# For `run` only. Disable it for worker/migrate containers (compose: `healthcheck: disable: true`).
# slim has no curl. urlopen raises on a 503 from /health, so the exit code is non-zero.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('BRIGADE_SERVER__PORT', '8000') + '/health', timeout=4)"]

ENTRYPOINT ["brigade"]
CMD ["run", "--host", "0.0.0.0"]
