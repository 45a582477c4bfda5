# The bot in a container: `python -m bot run` (long polling), /healthz and /metrics on port 8080
# inside the container. docker-compose.yml runs it beside PostgreSQL. Checked here with hadolint
# only (tests/unit/test_deploy_files.py): no container engine runs where this was written.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MPLCONFIGDIR=/tmp/matplotlib

WORKDIR /app
COPY pyproject.toml README.md config.toml ./
COPY bot ./bot
COPY handlers ./handlers
COPY scheduler ./scheduler
COPY storage ./storage

# The project with the PostgreSQL driver. The digest chart's CJK font (Noto Sans CJK SC) comes
# with the mplfonts package; the build fails here if it is missing. Then an unprivileged user,
# who may write only data/ (the SQLite file, when DATABASE_URL is not set). The versions are
# pyproject.toml's (DL3013 asks for pins on the command line: this installs the project itself).
# hadolint ignore=DL3013
RUN pip install --no-cache-dir ".[postgres]" \
    && python -c "from bot.digest.chart import font_path; print('CJK font:', font_path())" \
    && groupadd --system --gid 10001 bot \
    && useradd --system --uid 10001 --gid bot --home-dir /app --shell /usr/sbin/nologin bot \
    && mkdir -p /app/data \
    && chown bot:bot /app/data

USER 10001:10001
ENV BOT_CONFIG=/app/config.toml
VOLUME ["/app/data"]
EXPOSE 8080

# /healthz answers this machine (the container itself) without a token: 200 ok, 503 stale.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('WEB_PORT', '8080'), timeout=4)"]

STOPSIGNAL SIGTERM
CMD ["python", "-m", "bot", "run"]
