# syntax=docker/dockerfile:1
# One image for the API, the Temporal worker and the migrations:
#   ppid api (default) | ppid worker | ppid migrate | ppid directory import FILE | ppid user create ...

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Dependencies first: this layer is reused while pyproject.toml is unchanged.
COPY pyproject.toml ./
RUN python -c "import tomllib; d = tomllib.load(open('pyproject.toml', 'rb')); print('\n'.join(d['project']['dependencies']))" > /tmp/requirements.txt \
 && pip install --no-cache-dir -r /tmp/requirements.txt
# Then the project itself (.dockerignore keeps .venv, var, .git and caches out).
COPY . .
RUN pip install --no-cache-dir .

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PPID_API_HOST=0.0.0.0 \
    PPID_PORT=8000 \
    PPID_DATA_DIR=/app/var
RUN groupadd --system --gid 10001 ppid \
 && useradd --system --uid 10001 --gid ppid --home-dir /app --shell /usr/sbin/nologin ppid \
 && mkdir -p /app/var \
 && chown -R ppid:ppid /app
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
USER 10001:10001
EXPOSE 8000
# Only `ppid api` serves HTTP; compose disables this check for the worker and migrate.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PPID_PORT', '8000'), timeout=4)"]
CMD ["ppid", "api"]
