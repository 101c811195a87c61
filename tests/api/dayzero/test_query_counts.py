"""SQL statements per request: a list page costs the same number whatever its size, and a payment's
ledger change takes no savepoint."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from psycopg import pq

from payments import services
from payments.selectors import payment_get

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
def test_a_payment_with_an_idempotency_key_takes_no_savepoint_and_writes_with_the_commit(dz, tenant):
    """The request's transaction holds the key and the ledger change; a database error ends it whole, so
    the change takes no savepoint of its own (ledger.change.changes_share_transaction). Its write, the
    key's response and the COMMIT go in one round trip (config.postgres)."""
    invoice, payment = tenant.invoice("10.00"), tenant.payment("10.00")
    statements = []

    def watch(execute, sql, params, many, context):
        pipelined = context["connection"].connection.pgconn.pipeline_status != pq.PipelineStatus.OFF
        statements.append((sql.split()[0], pipelined))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        response = dz.post(
            f"/api/v1/invoices/{invoice.id}/payments",
            {"transaction_id": str(payment.id), "amount": 100},
            format="json",
            HTTP_IDEMPOTENCY_KEY="one",
        )
    assert response.status_code == 201, response.content
    # Up to the key's response (the receipt's delivery runs once the COMMIT is done):
    request = statements[: statements.index(("UPDATE", True)) + 1]
    assert "SAVEPOINT" not in [name for name, _ in request]
    # The locks; then the write and the key's response, in the COMMIT's pipeline.
    assert request[-3:] == [("WITH", False), ("WITH", True), ("UPDATE", True)]
    assert payment_get(ctx=tenant.ctx(), payment_id=payment.id).allocated_amount == 1
