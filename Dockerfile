# syntax=docker/dockerfile:1
FROM python:3.12-slim AS build
WORKDIR /app
COPY pyproject.toml requirements.lock ./
COPY config config
COPY tenants tenants
COPY invoices invoices
COPY payments payments
COPY api api
RUN python -m venv /venv && /venv/bin/pip install --no-cache-dir -c requirements.lock .

FROM python:3.12-slim
RUN useradd --create-home --uid 10001 app
COPY --from=build /venv /venv
WORKDIR /app
COPY --chown=app . .
USER app
ENV PATH=/venv/bin:$PATH DEBUG=false PYTHONUNBUFFERED=1
RUN SECRET_KEY=build DATABASE_URL=postgres://build@localhost/build python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "4"]
