"""Another business's objects answer 404 on every route, exactly like ones that do not exist, and no list
shows them."""

from decimal import Decimal

import pytest

from ledger.models import LedgerEvent
from payments import services
from payments.models import InvoicePayment

pytestmark = pytest.mark.django_db


@pytest.fixture
def theirs(other_tenant):
    invoice = other_tenant.invoice("100.00")
    draft = other_tenant.invoice("100.00", status="draft")
    transaction = other_tenant.payment("100.00")
    application = services.payment_apply(
        ctx=other_tenant.ctx(), invoice_id=invoice.id, payment_id=transaction.id, amount=Decimal("10")
    )
    return {
        "account": invoice.account_id,
        "invoice": invoice.id,
        "draft": draft.id,
        "transaction": transaction.id,
        "application": application.id,
    }


@pytest.fixture
def mine(tenant):
    invoice = tenant.invoice("100.00")
    transaction = tenant.payment("100.00")
    return {"invoice": invoice.id, "transaction": transaction.id}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/accounts/{theirs[account]}", None),
        ("post", "/api/v1/invoices", {"account_id": "{theirs[account]}", "currency": "USD", "amount": 100}),
        ("get", "/api/v1/invoices/{theirs[invoice]}", None),
        ("post", "/api/v1/invoices/{theirs[draft]}/finalize", None),
        ("post", "/api/v1/invoices/{theirs[draft]}/void", None),
        ("get", "/api/v1/transactions/{theirs[transaction]}", None),
        ("get", "/api/v1/invoices/{theirs[invoice]}/payments", None),
        (
            "post",
            "/api/v1/invoices/{theirs[invoice]}/payments",
            {"transaction_id": "{mine[transaction]}", "amount": 1},
        ),
        (
            "post",
            "/api/v1/invoices/{mine[invoice]}/payments",
            {"transaction_id": "{theirs[transaction]}", "amount": 1},
        ),
        ("get", "/api/v1/invoices/{theirs[invoice]}/payments/{theirs[application]}", None),
        ("get", "/api/v1/invoices/{mine[invoice]}/payments/{theirs[application]}", None),
        ("delete", "/api/v1/invoices/{theirs[invoice]}/payments/{theirs[application]}", None),
        ("delete", "/api/v1/invoices/{mine[invoice]}/payments/{theirs[application]}", None),
    ],
)
def test_another_businesss_object_is_404_and_untouched(dz, other_tenant, theirs, mine, method, path, body):
    events = LedgerEvent.objects.for_tenant(other_tenant.ctx()).count()
    fill = {"theirs": theirs, "mine": mine}
    if body is not None:
        body = {key: value.format(**fill) if isinstance(value, str) else value for key, value in body.items()}
    response = getattr(dz, method)(path.format(**fill), body, format="json")
    assert (response.status_code, response.json()) == (404, {"detail": "Not Found"})
    assert LedgerEvent.objects.for_tenant(other_tenant.ctx()).count() == events
    assert InvoicePayment.objects.for_tenant(other_tenant.ctx()).filter(pk=theirs["application"]).exists()


@pytest.mark.parametrize(
    ("path", "own"),
    [
        ("/api/v1/accounts", 1),
        ("/api/v1/invoices", 1),
        ("/api/v1/invoices?account_id={theirs[account]}", 0),
        ("/api/v1/transactions", 1),
        ("/api/v1/transactions?has_unallocated=true", 1),
        ("/api/v1/invoices/{mine[invoice]}/payments?transaction_id={theirs[transaction]}", 0),
    ],
)
def test_lists_show_nothing_of_another_business(dz, theirs, mine, path, own):
    separator = "&" if "?" in path else "?"
    response = dz.get(path.format(theirs=theirs, mine=mine) + f"{separator}include_total_count=true")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["total_count"] == len(body["items"]) == own
    assert not {str(value) for value in theirs.values()} & {item["id"] for item in body["items"]}
