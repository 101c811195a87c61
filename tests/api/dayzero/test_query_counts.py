"""SQL statements per request: a list page costs the same number whatever its size, and a payment's
ledger change takes no savepoint."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from payments import services

pytestmark = pytest.mark.django_db


def _queries(dz, url: str, expected_items: int) -> int:
    dz.get(url)  # the first request of a credential reads it; the process keeps it (tenants.auth)
    with CaptureQueriesContext(connection) as captured:
        response = dz.get(url)
    assert response.status_code == 200, response.content
    assert len(response.json()["items"]) == expected_items
    return len(captured)


def _grow(tenant, kind: str, count: int, invoice, transaction) -> None:
    for _ in range(count):
        if kind == "accounts":
            tenant.account()
        elif kind == "invoices":
            tenant.invoice("10.00")
        elif kind == "transactions":
            tenant.payment("10.00")
        else:
            services.payment_apply(
                ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=transaction.id, amount=Decimal("0.01")
            )


@pytest.mark.parametrize("kind", ["accounts", "invoices", "transactions", "payments", "payments-filtered"])
def test_lists_of_5_and_50_cost_the_same_queries(dz, tenant, kind):
    invoice, transaction = tenant.invoice("100.00"), tenant.payment("100.00")
    url = {
        "accounts": "/api/v1/accounts?limit=100&include_total_count=true",
        "invoices": "/api/v1/invoices?limit=100&include_total_count=true&status=open",
        "transactions": "/api/v1/transactions?limit=100&include_total_count=true&has_unallocated=true",
        "payments": f"/api/v1/invoices/{invoice.id}/payments?limit=100&include_total_count=true",
        "payments-filtered": (
            f"/api/v1/invoices/{invoice.id}/payments?limit=100&include_total_count=true&min_amount=1"
        ),
    }[kind]
    # The invoice's and the transaction's own rows are listed too, where the list holds them.
    own = {"accounts": 1, "invoices": 1, "transactions": 1}.get(kind, 0)
    _grow(tenant, kind, 5 - own, invoice, transaction)
    five = _queries(dz, url, 5)
    _grow(tenant, kind, 45, invoice, transaction)
    fifty = _queries(dz, url, 50)
    assert five == fifty, f"{kind}: {five} queries for 5 items, {fifty} for 50"


@pytest.mark.django_db(transaction=True)
def test_a_payment_with_an_idempotency_key_takes_no_savepoint(dz, tenant):
    """The request's transaction holds the key and the ledger change; a database error ends it whole, so
    the change takes no savepoint of its own (ledger.change.changes_share_transaction)."""
    invoice, payment = tenant.invoice("10.00"), tenant.payment("10.00")
    with CaptureQueriesContext(connection) as captured:
        response = dz.post(
            f"/api/v1/invoices/{invoice.id}/payments",
            {"transaction_id": str(payment.id), "amount": 100},
            format="json",
            HTTP_IDEMPOTENCY_KEY="one",
        )
    assert response.status_code == 201, response.content
    statements = [query["sql"].split()[0] for query in captured.captured_queries]
    assert "SAVEPOINT" not in statements and statements[-1] == "COMMIT"
