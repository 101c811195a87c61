"""Structured logs and Prometheus metrics.

Every log line carries the request id, business and client of the request (or the task) it belongs to:
a context variable set at the edge of each request or task and reset when it ends, read by a logging
filter. Metrics use prometheus-client; with PROMETHEUS_MULTIPROC_DIR set (gunicorn, Celery workers) every
process writes its samples there and /metrics adds them up.
"""

import logging
import os
import time
from contextvars import ContextVar

from django.db import connection
from django.http import HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from payments import metrics as ledger_metrics  # noqa: F401 (registers the ledger counters in every web process)

_context: ContextVar[dict] = ContextVar("log_context", default={})  # noqa: B039 (never mutated: always replaced)


def bind(**values) -> object:
    """Adds values to the current request's (or task's) log context; returns a token for `unbind`."""
    return _context.set({**_context.get(), **values})


def unbind(token) -> None:
    _context.reset(token)


def current_request_id() -> str:
    return _context.get().get("request_id", "")


class ContextFilter(logging.Filter):
    FIELDS = ("request_id", "business_id", "client_id", "task_id")

    def filter(self, record):
        values = _context.get()
        for name in self.FIELDS:
            setattr(record, name, values.get(name, ""))
        return True


HTTP_REQUESTS = Counter("http_requests_total", "HTTP requests", ["method", "route", "status"])
HTTP_LATENCY = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
TASK_FAILURES = Counter("celery_task_failures_total", "Celery tasks that raised", ["task"])


access_log = logging.getLogger("api.access")
# Every label keeps a bounded set of values whatever a client sends, or anyone could add series without
# authenticating: routes are URL patterns ("unmatched" otherwise), and any other method counts as "other".
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class MetricsMiddleware:
    """Counts requests and their latency by route (the URL pattern, never the raw path with its ids), and
    writes one access line per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = match.route if match is not None else "unmatched"
        elapsed = time.perf_counter() - started
        HTTP_LATENCY.labels(route).observe(elapsed)
        method = request.method if request.method in HTTP_METHODS else "other"
        HTTP_REQUESTS.labels(method, route, str(response.status_code)).inc()
        access_log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={"route": route, "status": response.status_code, "duration_ms": round(elapsed * 1000, 1)},
        )
        return response


class LedgerCollector:
    """Receipts by status, read from the database at scrape time (the rows are the truth)."""

    def collect(self):
        family = GaugeMetricFamily("receipts", "Receipts by status", labels=["status"])
        with connection.cursor() as cursor:
            cursor.execute("SELECT status, count(*) FROM payments_receipt GROUP BY status")
            counts = dict(cursor.fetchall())
        for status in ("pending", "sent", "skipped", "canceled", "failed"):
            family.add_metric([status], counts.get(status, 0))
        yield family


def metrics(request):
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY

        registry = REGISTRY
    output = generate_latest(registry)
    ledger = CollectorRegistry()
    ledger.register(LedgerCollector())
    return HttpResponse(output + generate_latest(ledger), content_type=CONTENT_TYPE_LATEST)
