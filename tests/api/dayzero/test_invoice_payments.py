import json
from decimal import Decimal

import pytest
from django.utils import timezone

from invoices import services as invoice_services
from invoices.models import Invoice
from ledger.models import LedgerEvent
from payments import services
from payments.models import InvoicePayment, Payment
from tests.api.dayzero.helpers import client_for, golden, locs
from tests.factories import make_tenant

pytestmark = pytest.mark.django_db
SEED_002_RESPONSE = [
    "id",
    "invoice_id",
    "transaction_id",
    "amount",
    "currency",
    "paid_on",
    "created_at",
    "updated_at",
    "business_id",
]


def _pay(dz, invoice, transaction, amount, **extra):
    body = {"transaction_id": str(transaction.id), "amount": amount, **extra}
    return dz.post(f"/api/v1/invoices/{invoice.id}/payments", body, format="json")


def _invoice(client, invoice) -> dict:
    return client.get(f"/api/v1/invoices/{invoice.id}").json()


def _transaction(client, transaction) -> dict:
    return client.get(f"/api/v1/transactions/{transaction.id}").json()


def _unchanged(tenant, invoice, transaction):
    """Nothing moved: no application, no counter, no ledger event."""
    invoice.refresh_from_db()
    transaction.refresh_from_db()
    assert (invoice.payment_amount, transaction.allocated_amount) == (0, 0)
    assert not InvoicePayment.objects.for_tenant(tenant.ctx()).exists()
    assert not LedgerEvent.objects.for_tenant(tenant.ctx()).filter(kind="applied").exists()


def test_create_answers_seed_002s_invoice_payment_response(dz, tenant):
    invoice = tenant.invoice("100.00")
    transaction = tenant.payment("100.00", description="WIRE 1")
    response = _pay(dz, invoice, transaction, 4000)
    assert response.status_code == 201, response.content
    body = response.json()
    assert list(body) == SEED_002_RESPONSE
    golden(
        "invoice_payment_create",
        body,
        {
            invoice.id: "invoice",
            transaction.id: "transaction",
            body["id"]: "invoice_payment",
            tenant.business_id: "business",
        },
    )
    assert (body["amount"], body["currency"]) == (4000, "USD")
    transaction.refresh_from_db()
    assert body["paid_on"] == transaction.occurred_at.isoformat().replace("+00:00", "Z")
    assert (_invoice(dz, invoice)["status"], _invoice(dz, invoice)["balance"]) == ("partially_paid", 6000)
    assert _transaction(dz, transaction)["unallocated_amount"] == 6000
    application = InvoicePayment.objects.for_tenant(tenant.ctx()).get()
    assert application.amount == Decimal("40")


def test_paid_on_can_be_given(dz, tenant):
    invoice, transaction = tenant.invoice("10"), tenant.payment("10")
    response = _pay(dz, invoice, transaction, 1000, paid_on="2026-01-05T09:30:00+01:00")
    assert response.json()["paid_on"] == "2026-01-05T08:30:00Z"
    assert _pay(dz, tenant.invoice("10"), tenant.payment("10"), 1000, paid_on=None).status_code == 201


def test_split_payment_one_transaction_across_three_invoices(dz, tenant):
    account = tenant.account()
    invoices = [tenant.invoice(amount, account=account) for amount in ("100.00", "250.00", "150.00")]
    transaction = tenant.payment("500.00")
    for invoice, cents in zip(invoices, (10000, 25000, 15000), strict=True):
        assert _pay(dz, invoice, transaction, cents).status_code == 201
    assert [_invoice(dz, i)["status"] for i in invoices] == ["manual_paid"] * 3
    assert [_invoice(dz, i)["balance"] for i in invoices] == [0, 0, 0]
    body = _transaction(dz, transaction)
    assert (body["allocated_amount"], body["unallocated_amount"]) == (50000, 0)
    refused = _pay(dz, tenant.invoice("1", account=account), transaction, 1)
    assert locs(refused) == [(["body", "amount"], "value_error")]


def test_partial_payments_three_transactions_on_one_invoice(dz, tenant):
    invoice = tenant.invoice("300.00")
    transactions = [tenant.payment("100.00") for _ in range(3)]
    statuses = []
    for transaction in transactions:
        assert _pay(dz, invoice, transaction, 10000).status_code == 201
        statuses.append(_invoice(dz, invoice)["status"])
    assert statuses == ["partially_paid", "partially_paid", "manual_paid"]
    body = _invoice(dz, invoice)
    assert (body["paid_amount"], body["balance"]) == (30000, 0)
    listed = dz.get(f"/api/v1/invoices/{invoice.id}/payments").json()["items"]
    assert [item["transaction"]["id"] for item in listed] == [str(t.id) for t in transactions]


def test_overpayment_takes_the_balance_below_zero(dz, tenant):
    invoice = tenant.invoice("100.00")
    transaction = tenant.payment("150.00")
    assert _pay(dz, invoice, transaction, 15000).status_code == 201
    body = _invoice(dz, invoice)
    assert (body["status"], body["paid_amount"], body["balance"]) == ("manual_paid", 15000, -5000)
    assert _transaction(dz, transaction)["unallocated_amount"] == 0


def test_more_than_the_unallocated_remainder_is_422_and_changes_nothing(dz, tenant):
    invoice, transaction = tenant.invoice("500.00"), tenant.payment("100.00")
    response = _pay(dz, invoice, transaction, 10001)
    golden("error_422_over_unallocated", response.json())
    assert response.json() == {
        "detail": [
            {
                "loc": ["body", "amount"],
                "msg": "Value error, The amount exceeds the transaction's unallocated amount",
                "type": "value_error",
                "input": 10001,
            }
        ]
    }
    _unchanged(tenant, invoice, transaction)


def test_a_transaction_in_another_currency_is_422(dz, tenant):
    invoice, transaction = tenant.invoice("10.00"), tenant.payment("10.00", currency="EUR")
    response = _pay(dz, invoice, transaction, 1000)
    assert locs(response) == [(["body", "transaction_id"], "value_error")]
    assert response.json()["detail"][0]["input"] == str(transaction.id)
    assert "EUR" in response.json()["detail"][0]["msg"]
    _unchanged(tenant, invoice, transaction)


def _draft(tenant):
    return tenant.invoice("10.00", status="draft")


def _void(tenant):
    invoice = tenant.invoice("10.00")
    return invoice_services.invoice_void(ctx=tenant.ctx(), invoice_id=invoice.id)


def _paid(tenant):
    invoice, payer = tenant.invoice("10.00"), tenant.payment("10.00")
    services.payment_apply(ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=payer.id, amount=Decimal(10))
    return invoice


@pytest.mark.parametrize("not_open", [_draft, _void, _paid])
def test_an_invoice_that_is_not_open_is_422(dz, tenant, not_open):
    invoice, transaction = not_open(tenant), tenant.payment("10.00")
    response = _pay(dz, invoice, transaction, 100)
    assert locs(response) == [(["path", "invoice_id"], "value_error")]
    assert response.json()["detail"][0]["input"] == str(invoice.id)
    transaction.refresh_from_db()
    assert transaction.allocated_amount == 0


def test_a_transaction_of_another_entity_is_422(db):
    tenant = make_tenant(entities=2)
    invoice = tenant.invoice("10.00")
    transaction = services.payment_record(
        ctx=tenant.ctx(tenant.entity_ids[1]),
        amount=Decimal(10),
        currency="USD",
        occurred_at=timezone.now(),
    )
    response = _pay(client_for(tenant), invoice, transaction, 1000)
    assert locs(response) == [(["body", "transaction_id"], "value_error")]


def test_cents_count_in_the_transactions_currency(dz, tenant):
    """A Zuora payment in yen has no minor units: 500 "cents" are 500 yen."""
    account = tenant.account(currency="JPY")
    invoice = tenant.invoice("1000", account=account, currency="JPY")
    transaction = tenant.payment("1000", currency="JPY")
    body = _pay(dz, invoice, transaction, 500).json()
    assert (body["amount"], body["currency"]) == (500, "JPY")
    assert InvoicePayment.objects.for_tenant(tenant.ctx()).get().amount == Decimal(500)


@pytest.mark.parametrize(
    ("body", "loc", "kind"),
    [
        ({"amount": 100}, ["body", "transaction_id"], "missing"),
        ({"transaction_id": "<transaction>"}, ["body", "amount"], "missing"),
        ({"transaction_id": "nope", "amount": 100}, ["body", "transaction_id"], "uuid_parsing"),
        ({"transaction_id": 12, "amount": 100}, ["body", "transaction_id"], "uuid_parsing"),
        ({"transaction_id": "<transaction>", "amount": 0}, ["body", "amount"], "greater_than"),
        ({"transaction_id": "<transaction>", "amount": -1}, ["body", "amount"], "greater_than"),
        ({"transaction_id": "<transaction>", "amount": 99.5}, ["body", "amount"], "int_from_float"),
        ({"transaction_id": "<transaction>", "amount": "1,000"}, ["body", "amount"], "int_parsing"),
        ({"transaction_id": "<transaction>", "amount": None}, ["body", "amount"], "missing"),
        ({"transaction_id": "<transaction>", "amount": 10**17}, ["body", "amount"], "less_than"),
        (
            {"transaction_id": "<transaction>", "amount": 1, "paid_on": "soon"},
            ["body", "paid_on"],
            "datetime_parsing",
        ),
    ],
)
def test_request_validation_is_422_and_changes_nothing(dz, tenant, body, loc, kind):
    invoice, transaction = tenant.invoice("10.00"), tenant.payment("10.00")
    body = {key: str(transaction.id) if value == "<transaction>" else value for key, value in body.items()}
    response = dz.post(f"/api/v1/invoices/{invoice.id}/payments", body, format="json")
    assert locs(response) == [(loc, kind)]
    _unchanged(tenant, invoice, transaction)


@pytest.mark.parametrize("raw", ["[1, 2]", '"amount"', "null"])
def test_a_body_that_is_not_an_object_is_422(dz, tenant, raw):
    invoice = tenant.invoice("10.00")
    response = dz.post(f"/api/v1/invoices/{invoice.id}/payments", raw, content_type="application/json")
    assert response.status_code == 422


def test_a_huge_exponent_is_refused_at_once_and_echoed_as_text(dz, tenant):
    invoice, transaction = tenant.invoice("10.00"), tenant.payment("10.00")
    raw = json.dumps({"transaction_id": str(transaction.id)})[:-1] + ', "amount": 1e999999}'
    response = dz.post(f"/api/v1/invoices/{invoice.id}/payments", raw, content_type="application/json")
    assert locs(response) == [(["body", "amount"], "less_than")]
    assert response.json()["detail"][0]["input"] == "1E+999999"


def test_unknown_transaction_or_invoice_is_404(dz, tenant):
    invoice, transaction = tenant.invoice("10.00"), tenant.payment("10.00")
    nobody = "00000000-0000-0000-0000-000000000000"
    missing_transaction = dz.post(
        f"/api/v1/invoices/{invoice.id}/payments", {"transaction_id": nobody, "amount": 1}, format="json"
    )
    missing_invoice = dz.post(
        f"/api/v1/invoices/{nobody}/payments",
        {"transaction_id": str(transaction.id), "amount": 1},
        format="json",
    )
    malformed_invoice = dz.post(
        "/api/v1/invoices/nope/payments", {"transaction_id": str(transaction.id), "amount": 1}, format="json"
    )
    for response in (missing_transaction, missing_invoice, malformed_invoice):
        assert (response.status_code, response.json()) == (404, {"detail": "Not Found"})
    _unchanged(tenant, invoice, transaction)


def test_list_get_and_filters(dz, tenant):
    invoice = tenant.invoice("1000.00")
    first = tenant.payment("100.00", description="WIRE A")
    second = tenant.payment("500.00")
    early = _pay(dz, invoice, first, 10000, paid_on="2026-01-05T00:00:00Z").json()
    late = _pay(dz, invoice, second, 25000, paid_on="2026-02-05T00:00:00Z").json()
    other = tenant.invoice("10.00")
    _pay(dz, other, second, 1000)
    names = {
        invoice.id: "invoice",
        first.id: "transaction_a",
        second.id: "transaction_b",
        early["id"]: "invoice_payment_a",
        late["id"]: "invoice_payment_b",
        tenant.business_id: "business",
    }

    listed = dz.get(f"/api/v1/invoices/{invoice.id}/payments?include_total_count=true")
    assert listed.status_code == 200, listed.content
    golden("invoice_payment_list", listed.json(), names)
    items = listed.json()["items"]
    assert [item["id"] for item in items] == [early["id"], late["id"]]
    assert list(items[0]) == [*SEED_002_RESPONSE, "transaction"]
    assert items[0]["transaction"] == {
        "id": str(first.id),
        "amount": 10000,
        "currency": "USD",
        "datetime": _transaction(dz, first)["datetime"],
        "description": "WIRE A",
    }

    fetched = dz.get(f"/api/v1/invoices/{invoice.id}/payments/{early['id']}")
    assert fetched.status_code == 200, fetched.content
    golden("invoice_payment_get", fetched.json(), names)
    assert fetched.json() == early

    def ids(query):
        response = dz.get(f"/api/v1/invoices/{invoice.id}/payments?{query}")
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    assert ids("paid_on_from=2026-01-10T00:00:00Z") == [late["id"]]
    assert ids("paid_on_to=2026-01-05T00:00:00Z") == [early["id"]]
    assert ids("min_amount=10001") == [late["id"]]
    assert ids("max_amount=10000") == [early["id"]]
    assert ids("min_amount=10000&max_amount=25000") == [early["id"], late["id"]]
    assert ids(f"transaction_id={second.id}") == [late["id"]]
    assert ids(f"transaction_id={second.id}&max_amount=10000") == []


def test_list_pages_both_ways(dz, tenant):
    invoice = tenant.invoice("1000.00")
    transaction = tenant.payment("1000.00")
    made = [_pay(dz, invoice, transaction, 100).json()["id"] for _ in range(5)]
    url = f"/api/v1/invoices/{invoice.id}/payments"
    first = dz.get(f"{url}?limit=2").json()
    assert [i["id"] for i in first["items"]] == made[:2] and first["prev_cursor"] is None
    second = dz.get(f"{url}?limit=2&cursor={first['next_cursor']}").json()
    assert [i["id"] for i in second["items"]] == made[2:4]
    back = dz.get(f"{url}?limit=2&direction=prev&cursor={second['prev_cursor']}").json()
    assert [i["id"] for i in back["items"]] == made[:2]


def test_unfiltered_pages_read_as_filtered_ones_do(dz, tenant):
    """An unfiltered page is one statement of payments.selectors; a filtered one goes through django-filter
    and the ORM. A filter that keeps every row must give the same pages, cursors and totals, both ways,
    including applications made in the same instant (the id breaks the tie)."""
    invoice = tenant.invoice("1000.00")
    transactions = [tenant.payment("100.00", description=f"WIRE {n}") for n in range(3)]
    for n in range(7):
        _pay(dz, invoice, transactions[n % 3], 100 + n, paid_on=f"2026-01-0{n + 1}T10:00:00Z")
    # Five made in one instant: every page boundary falls among them.
    same_instant = InvoicePayment.objects.for_tenant(tenant.ctx()).order_by("created_at")[1:6]
    InvoicePayment.objects.for_tenant(tenant.ctx()).filter(pk__in=[a.pk for a in same_instant]).update(
        created_at=timezone.now()
    )
    url = f"/api/v1/invoices/{invoice.id}/payments?limit=3&include_total_count=true"

    def walk(extra: str) -> list[dict]:
        pages, query = [], ""
        while True:
            page = dz.get(f"{url}{extra}{query}")
            assert page.status_code == 200, page.content
            pages.append(page.json())
            if not page.json()["next_cursor"]:
                break
            query = f"&cursor={page.json()['next_cursor']}"
        back = dz.get(f"{url}{extra}&direction=prev&cursor={pages[-1]['prev_cursor']}")
        return [*pages, back.json()]

    unfiltered, filtered = walk(""), walk("&min_amount=1")
    assert [len(page["items"]) for page in unfiltered] == [3, 3, 1, 3]
    assert unfiltered[0]["total_count"] == 7
    assert unfiltered == filtered


def test_an_invoice_without_payments_lists_none_and_an_unknown_one_is_404(dz, tenant):
    invoice = tenant.invoice("10.00")
    empty = dz.get(f"/api/v1/invoices/{invoice.id}/payments?include_total_count=true")
    assert empty.status_code == 200, empty.content
    assert empty.json() == {"items": [], "next_cursor": None, "prev_cursor": None, "total_count": 0}
    for unknown in ("00000000-0000-0000-0000-000000000000", "nope"):
        response = dz.get(f"/api/v1/invoices/{unknown}/payments?include_total_count=true")
        assert (response.status_code, response.json()) == (404, {"detail": "Not Found"})


@pytest.mark.parametrize(
    ("query", "loc", "kind"),
    [
        ("paid_on_from=last-week", ["query", "paid_on_from"], "datetime_parsing"),
        ("paid_on_to=2026-02-30T00:00:00Z", ["query", "paid_on_to"], "datetime_parsing"),
        ("min_amount=1.5", ["query", "min_amount"], "int_parsing"),
        ("max_amount=-3", ["query", "max_amount"], "greater_than"),
        ("min_amount=abc", ["query", "min_amount"], "int_parsing"),
        ("transaction_id=123", ["query", "transaction_id"], "uuid_parsing"),
        ("cursor=%%%", ["query", "cursor"], "value_error"),
        ("limit=101", ["query", "limit"], "less_than_equal"),
    ],
)
def test_bad_list_filters_are_422(dz, tenant, query, loc, kind):
    invoice = tenant.invoice("10.00")
    assert locs(dz.get(f"/api/v1/invoices/{invoice.id}/payments?{query}")) == [(loc, kind)]


def test_get_one_under_another_invoice_is_404(dz, tenant):
    invoice, elsewhere = tenant.invoice("10.00"), tenant.invoice("10.00")
    application = _pay(dz, invoice, tenant.payment("10.00"), 100).json()
    for path in (
        f"/api/v1/invoices/{elsewhere.id}/payments/{application['id']}",
        f"/api/v1/invoices/nope/payments/{application['id']}",
        f"/api/v1/invoices/{invoice.id}/payments/nope",
    ):
        assert (dz.get(path).status_code, dz.delete(path).status_code) == (404, 404)
    assert InvoicePayment.objects.for_tenant(tenant.ctx()).count() == 1


def test_unlinking_gives_everything_back_and_the_ledger_keeps_the_record(dz, tenant):
    invoice = tenant.invoice("100.00", number="INV-U")
    transaction = tenant.payment("100.00")
    application = _pay(dz, invoice, transaction, 10000).json()
    assert _invoice(dz, invoice)["status"] == "manual_paid"
    path = f"/api/v1/invoices/{invoice.id}/payments/{application['id']}"

    response = dz.delete(path)
    assert (response.status_code, response.content) == (204, b"")
    body = _invoice(dz, invoice)
    golden("invoice_after_unlinking", body, {invoice.id: "invoice"})
    assert (body["status"], body["paid_amount"], body["balance"]) == ("open", 0, 10000)
    assert _transaction(dz, transaction)["unallocated_amount"] == 10000
    assert dz.get(path).status_code == 404
    assert dz.delete(path).status_code == 404
    assert dz.get(f"/api/v1/invoices/{invoice.id}/payments").json()["items"] == []
    events = LedgerEvent.objects.for_tenant(tenant.ctx()).filter(invoice_payment_id=application["id"])
    assert list(events.values_list("kind", flat=True)) == ["applied", "unapplied"]
    assert events.last().before["invoice"]["status"] == Invoice.Status.PAID
    # The money is free again: it can pay the invoice anew.
    assert _pay(dz, invoice, transaction, 10000).status_code == 201


def test_unlinking_one_of_several_steps_the_status_back(dz, tenant):
    invoice = tenant.invoice("100.00")
    first = _pay(dz, invoice, tenant.payment("60.00"), 6000).json()
    _pay(dz, invoice, tenant.payment("40.00"), 4000)
    assert dz.delete(f"/api/v1/invoices/{invoice.id}/payments/{first['id']}").status_code == 204
    body = _invoice(dz, invoice)
    assert (body["status"], body["balance"]) == ("partially_paid", 6000)


def test_a_refunded_payment_cannot_be_unlinked(dz, tenant):
    invoice, transaction = tenant.invoice("100.00"), tenant.payment("100.00")
    application = _pay(dz, invoice, transaction, 10000).json()
    services.refund_create(ctx=tenant.ctx(), payment_id=transaction.id, amount=Decimal(10))
    response = dz.delete(f"/api/v1/invoices/{invoice.id}/payments/{application['id']}")
    assert locs(response) == [(["path", "payment_id"], "value_error")]
    assert response.json()["detail"][0]["input"] == application["id"]
    assert InvoicePayment.objects.for_tenant(tenant.ctx()).filter(pk=application["id"]).exists()


def test_a_payment_made_through_the_ledger_reads_the_same(dz, tenant):
    """Another dialect's application shows up here with the same numbers."""
    invoice, transaction = tenant.invoice("12.34"), tenant.payment("20.00")
    application = services.payment_apply(
        ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=transaction.id, amount=Decimal("12.34")
    )
    body = dz.get(f"/api/v1/invoices/{invoice.id}/payments/{application.id}").json()
    assert (body["amount"], body["transaction_id"]) == (1234, str(transaction.id))
    assert Payment.objects.for_tenant(tenant.ctx()).get(pk=transaction.id).unallocated_amount == Decimal(
        "7.66"
    )


def test_the_request_body_is_parsed_as_json_numbers_never_floats(dz, tenant):
    invoice, transaction = tenant.invoice("0.30"), tenant.payment("0.30")
    raw = json.dumps({"transaction_id": str(transaction.id), "amount": 30.0})
    response = dz.post(f"/api/v1/invoices/{invoice.id}/payments", raw, content_type="application/json")
    assert response.status_code == 201
    assert _invoice(dz, invoice)["balance"] == 0
