import io
import json
import logging
import uuid

import pytest
from prometheus_client.parser import text_string_to_metric_families

from api.observability import ContextFilter

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_log():
    """The access log as the service writes it: JSON lines through the context filter."""
    from django.conf import settings
    from pythonjsonlogger.json import JsonFormatter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    formatter = settings.LOGGING["formatters"]["json"]
    handler.setFormatter(JsonFormatter(formatter["fmt"], rename_fields=formatter["rename_fields"]))
    logger = logging.getLogger("api.access")
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(previous)


def test_log_lines_carry_request_business_and_client(api, tenant, json_log):
    response = api.get(
        "/api/v1/accounts",
        HTTP_AUTHORIZATION=f"Bearer {tenant.token}",
        HTTP_X_BUSINESS_ID=str(tenant.business_id),
    )
    line = json.loads(json_log.getvalue().strip().splitlines()[-1])
    assert line["request_id"] == response["x-request-id"]
    assert line["business_id"] == str(tenant.business_id)
    assert line["client_id"] == tenant.client.client_id
    assert (line["level"], line["logger"], line["route"], line["status"]) == (
        "INFO",
        "api.access",
        "api/v1/accounts",
        200,
    )


def test_the_context_ends_with_the_request(api, tenant, json_log):
    api.get(
        "/api/v1/accounts",
        HTTP_AUTHORIZATION=f"Bearer {tenant.token}",
        HTTP_X_BUSINESS_ID=str(tenant.business_id),
    )
    api.get("/healthz")
    line = json.loads(json_log.getvalue().strip().splitlines()[-1])
    assert line["route"] == "healthz" and line["business_id"] == "" and line["client_id"] == ""


def test_metrics_expose_requests_by_route_and_receipts_by_status(api, tenant):
    api.get(
        "/api/v1/accounts",
        HTTP_AUTHORIZATION=f"Bearer {tenant.token}",
        HTTP_X_BUSINESS_ID=str(tenant.business_id),
    )
    body = api.get("/metrics").content.decode()
    assert 'http_requests_total{method="GET",route="api/v1/accounts",status="200"}' in body
    assert 'http_request_duration_seconds_bucket{le="0.005",route="api/v1/accounts"}' in body
    assert 'receipts{status="pending"}' in body and "ledger_payments_applied_total" in body


def _requests_by_method(api) -> dict[str, float]:
    """http_requests_total summed by method, as /metrics shows it."""
    counts: dict[str, float] = {}
    for family in text_string_to_metric_families(api.get("/metrics").content.decode()):
        for sample in family.samples:
            if sample.name == "http_requests_total":
                counts[sample.labels["method"]] = counts.get(sample.labels["method"], 0) + sample.value
    return counts


def test_made_up_methods_add_no_series(api):
    """Anyone can send any method, unauthenticated: each must not become a label value of its own."""
    before = _requests_by_method(api)
    made_up = [f"X{uuid.uuid4().hex[:8].upper()}" for _ in range(5)]
    for method in made_up:
        api.generic(method, "/healthz")
        api.generic(method, "/nowhere")
    after = _requests_by_method(api)
    assert set(after) - set(before) <= {"other"}
    assert after["other"] - before.get("other", 0) == 2 * len(made_up)
