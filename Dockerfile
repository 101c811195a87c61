# syntax=docker/dockerfile:1
# Build: dependencies in a virtualenv of their own, so the runtime image carries no compiler or cache.
FROM python:3.12-slim AS build
WORKDIR /app
COPY pyproject.toml requirements.lock ./
COPY config config
COPY core core
COPY tenants tenants
COPY outbox outbox
COPY ledger ledger
COPY invoices invoices
COPY payments payments
COPY api api
RUN python -m venv /venv \
    && /venv/bin/pip install --no-cache-dir -c requirements.lock .

FROM python:3.12-slim
RUN useradd --create-home --uid 10001 app \
    && mkdir -p /tmp/prometheus && chown app /tmp/prometheus
COPY --from=build /venv /venv
WORKDIR /app
COPY --chown=app:app . .
ENV PATH=/venv/bin:$PATH PYTHONUNBUFFERED=1 DEBUG=false PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus
RUN SECRET_KEY=build-only DATABASE_URL=postgres://build@localhost/build python manage.py collectstatic --noinput
USER app
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi"]
