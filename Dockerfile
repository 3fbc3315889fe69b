# occ, the Slack chat-ops bot: one replica per container, HTTP transport on waitress.
# Build: docker build -t occ .      Run: see docs/deployment.md (N replicas need PostgreSQL).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# The project and its dependencies (every one ships a wheel: no compiler in the image).
COPY pyproject.toml README.md app.py ./
COPY chatops ./chatops
COPY blocks ./blocks
COPY storage ./storage
RUN pip install . \
 && useradd --system --uid 10001 --user-group --home-dir /app --no-create-home --shell /usr/sbin/nologin occ \
 && mkdir /data \
 && chown 10001:10001 /data

# Not root (numeric, so a runAsNonRoot policy can check it). /data holds the SQLite file of a
# single replica; replicas share PostgreSQL instead.
USER 10001:10001
# HOME: slack_sdk looks the home directory up when it is imported (a uid without one fails to start);
# matplotlib (the weekly chart) keeps its cache in /tmp, /app being read-only to this user.
ENV HOME=/app \
    MPLCONFIGDIR=/tmp/matplotlib \
    HOST=0.0.0.0 \
    PORT=3000 \
    OCC_HTTP_THREADS=16 \
    DATABASE_URL=sqlite:////data/occ.db
VOLUME ["/data"]
EXPOSE 3000

# 200 once the database answers and takes a write (migrations run at start-up: allow for them).
# A 503 or no answer raises, and python exits 1: unhealthy.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"]

# SIGTERM releases the leader lease, so another replica takes over at once.
STOPSIGNAL SIGTERM
CMD ["python", "app.py", "http"]
