"""FastAPI's envelopes on every DayZero route: 400, 401, 403, 404 as {"detail": "..."}, 422 as a list."""

import uuid
from decimal import Decimal

import pytest
from oauth2_provider.models import AccessToken
from rest_framework.test import APIClient

from ledger.models import LedgerEvent
from payments import services
from payments.models import InvoicePayment
from tests.api.dayzero.helpers import client_for, golden, locs

pytestmark = pytest.mark.django_db
NOBODY = "00000000-0000-0000-0000-000000000000"

READS = [
    ("get", "/api/v1/invoices"),
    ("get", "/api/v1/invoices/{invoice}"),
    ("get", "/api/v1/transactions"),
    ("get", "/api/v1/transactions/{transaction}"),
    ("get", "/api/v1/invoices/{invoice}/payments"),
    ("get", "/api/v1/invoices/{invoice}/payments/{application}"),
]
WRITES = [
    ("post", "/api/v1/invoices"),
    ("post", "/api/v1/invoices/{draft}/finalize"),
    ("post", "/api/v1/invoices/{draft}/void"),
    ("post", "/api/v1/transactions"),
    ("post", "/api/v1/invoices/{invoice}/payments"),
    ("delete", "/api/v1/invoices/{invoice}/payments/{application}"),
]
BODIES = {
    "/api/v1/invoices": {"account_id": "{account}", "currency": "USD", "amount": 100},
    "/api/v1/transactions": {"amount": 100, "currency": "USD", "datetime": "2026-01-20T14:45:00Z"},
    "/api/v1/invoices/{invoice}/payments": {"transaction_id": "{transaction}", "amount": 100},
}
ROUTES = READS + WRITES


@pytest.fixture
def ids(tenant):
    invoice = tenant.invoice("100.00")
    transaction = tenant.payment("100.00")
    application = services.payment_apply(
        ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=transaction.id, amount=Decimal("10")
    )
    return {
        "account": invoice.account_id,
        "invoice": invoice.id,
        "draft": tenant.invoice("100.00", status="draft").id,
        "transaction": transaction.id,
        "application": application.id,
    }


def _call(client, method, path, ids):
    body = BODIES.get(path)
    if body is not None:
        body = {key: value.format(**ids) if isinstance(value, str) else value for key, value in body.items()}
    return getattr(client, method)(path.format(**ids), body, format="json")


def _ledger(tenant) -> tuple[int, int]:
    ctx = tenant.ctx()
    return LedgerEvent.objects.for_tenant(ctx).count(), InvoicePayment.objects.for_tenant(ctx).count()


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_no_or_bad_credentials_are_401(tenant, ids, method, path):
    for authorization in (None, "Bearer nope"):
        client = APIClient()
        client.credentials(HTTP_X_BUSINESS_ID=str(tenant.business_id))
        if authorization:
            client.credentials(HTTP_AUTHORIZATION=authorization, HTTP_X_BUSINESS_ID=str(tenant.business_id))
        response = _call(client, method, path, ids)
        assert response.status_code == 401
        assert isinstance(response.json()["detail"], str)
    golden("error_401", response.json())


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_another_business_header_is_403(tenant, other_tenant, ids, method, path):
    before = _ledger(tenant)
    client = client_for(tenant, HTTP_X_BUSINESS_ID=str(other_tenant.business_id))
    response = _call(client, method, path, ids)
    assert response.status_code == 403
    golden("error_403", response.json())
    assert _ledger(tenant) == before


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_a_missing_business_header_is_fastapis_422(tenant, ids, method, path):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tenant.token}")
    response = _call(client, method, path, ids)
    golden("error_422_missing_header", response.json())
    assert response.json() == {
        "detail": [
            {"loc": ["header", "x-business-id"], "msg": "Field required", "type": "missing", "input": None}
        ]
    }


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_writes_need_the_write_scope(dz, tenant, ids, method, path):
    AccessToken.objects.filter(application=tenant.client).update(scope="invoices.read")
    before = _ledger(tenant)
    response = _call(dz, method, path, ids)
    assert response.status_code == 403
    assert "invoices.write" in response.json()["detail"]
    assert _ledger(tenant) == before


@pytest.mark.parametrize(("method", "path"), READS)
def test_reads_need_the_read_scope(dz, tenant, ids, method, path):
    AccessToken.objects.filter(application=tenant.client).update(scope="invoices.write")
    assert _call(dz, method, path, ids).status_code == 403


@pytest.mark.parametrize("path", list(BODIES))
def test_malformed_json_is_400_and_changes_nothing(dz, tenant, ids, path):
    before = _ledger(tenant)
    response = dz.post(path.format(**ids), '{"amount": 1,', content_type="application/json")
    assert response.status_code == 400
    golden("error_400", {"detail": response.json()["detail"].split(":")[0]})
    assert response.json()["detail"].startswith("malformed JSON")
    assert _ledger(tenant) == before


@pytest.mark.parametrize(("method", "path"), [route for route in ROUTES if "{" in route[1]])
@pytest.mark.parametrize("unknown", [NOBODY, "nope", str(uuid.uuid4()).upper()])
def test_unknown_ids_are_404(dz, tenant, ids, method, path, unknown):
    before = _ledger(tenant)
    for name in ("invoice", "draft", "transaction", "application"):
        if f"{{{name}}}" in path:
            response = _call(dz, method, path, {**ids, name: unknown})
            assert response.status_code == 404, (name, response.content)
            assert response.json() == {"detail": "Not Found"}
    golden("error_404", response.json())
    assert _ledger(tenant) == before


def test_an_unknown_route_is_404_in_the_dialects_envelope(dz):
    response = dz.get("/api/v1/nowhere")
    assert (response.status_code, response.json()) == (404, {"detail": "Not Found"})


def test_an_unknown_method_is_405(dz):
    response = dz.put("/api/v1/invoices", {}, format="json")
    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "PUT" not allowed.'}


def test_body_validation_lists_every_field(dz):
    response = dz.post("/api/v1/transactions", {"amount": "12.5", "currency": "XYZ"}, format="json")
    golden("error_422_body", response.json())
    assert locs(response) == [
        (["body", "amount"], "int_parsing"),
        (["body", "currency"], "enum"),
        (["body", "datetime"], "missing"),
    ]


def test_query_validation_is_at_the_query_loc(dz):
    response = dz.get("/api/v1/invoices?due_date_from=someday")
    golden("error_422_query", response.json())
    assert locs(response) == [(["query", "due_date_from"], "date_parsing")]
