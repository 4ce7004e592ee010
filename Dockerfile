# syntax=docker/dockerfile:1
# One image for the API, the Temporal worker, the outbox and the migrations:
#   ppid api (default) | ppid worker | ppid outbox | ppid migrate | ppid directory import FILE | ppid user ...
# It runs as the unprivileged user ppid (uid 10001); the data dir /app/var is its only writable place.

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Dependencies first, at the exact versions of the lock file: this layer is reused while the lock is
# unchanged, and an image built next month has the same packages (holidays included, whose upgrade can
# move statutory deadlines). No dev extra: the Temporal dev binaries and the test tools stay out.
COPY deploy/requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock
# Then the project itself (.dockerignore keeps .venv, var, .git and caches out), without resolving again;
# `pip check` fails the build when pyproject.toml wants a package the lock lacks.
COPY . .
RUN pip install --no-cache-dir --no-deps . && pip check

FROM python:3.11-slim
# PYTHONDONTWRITEBYTECODE is not set here: pip compiled every module into /opt/venv when it installed them,
# and the workflow sandbox re-imports the workflow modules for every run, reading those .pyc files. With it
# set, base/bytecode.py would move the cache to /tmp and compile everything again in each container.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PPID_API_HOST=0.0.0.0 \
    PPID_PORT=8000 \
    PPID_DATA_DIR=/app/var
# Pango and a font for WeasyPrint (api/pdf.py: the registers' and letters' PDFs, rendered offline).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 ppid \
 && useradd --system --uid 10001 --gid ppid --home-dir /app --shell /usr/sbin/nologin ppid \
 && mkdir -p /app/var \
 && chown -R ppid:ppid /app
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
USER 10001:10001
EXPOSE 8000
# Only `ppid api` serves HTTP; compose disables this check for the worker, the outbox and migrate. No
# curl in the slim image: the check is Python's urllib.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PPID_PORT', '8000'), timeout=4)"]
CMD ["ppid", "api"]
