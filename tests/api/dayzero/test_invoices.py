import json
from decimal import Decimal

import pytest
from django.utils import timezone

from invoices.models import Invoice
from ledger.models import LedgerEvent
from payments import services
from tests.api.dayzero.helpers import golden, locs

pytestmark = pytest.mark.django_db
MISSING = object()


def _create(dz, account, **fields):
    body = {"account_id": str(account.id), "currency": account.currency, "amount": 12345, **fields}
    return dz.post("/api/v1/invoices", body, format="json")


def test_create_get_and_list(dz, tenant):
    account = tenant.account()
    created = _create(dz, account, number="INV-1", issue_date="2026-01-10", due_date="2026-02-09")
    assert created.status_code == 201, created.content
    body = created.json()
    names = {account.id: "account", body["id"]: "invoice", tenant.business_id: "business"}
    names[tenant.entity_ids[0]] = "entity"
    golden("invoice_create", body, names)
    assert body["issue_date"] == "2026-01-10" and body["due_date"] == "2026-02-09"
    assert (body["amount"], body["paid_amount"], body["refunded_amount"], body["balance"]) == (
        12345,
        0,
        0,
        12345,
    )
    fetched = dz.get(f"/api/v1/invoices/{body['id']}")
    assert fetched.status_code == 200
    golden("invoice_get", fetched.json(), names)
    assert fetched.json() == body
    listed = dz.get("/api/v1/invoices?include_total_count=true")
    golden("invoice_list", listed.json(), names)
    assert listed.json()["items"] == [body]


def test_the_amount_is_stored_exactly_from_cents(dz, tenant):
    body = _create(dz, tenant.account(), amount=1999).json()
    assert Invoice.objects.for_tenant(tenant.ctx()).get(pk=body["id"]).amount == Decimal("19.99")


def test_defaults_open_with_a_generated_number_and_todays_issue_date(dz, tenant):
    body = _create(dz, tenant.account()).json()
    assert body["status"] == "open"
    assert body["number"].startswith("INV-")
    assert body["issue_date"] == timezone.localdate().isoformat()
    assert body["due_date"] is None


def test_nulls_mean_absent(dz, tenant):
    response = _create(dz, tenant.account(), number=None, issue_date=None, due_date=None)
    assert response.status_code == 201, response.content


def test_draft_is_finalized_once(dz, tenant):
    invoice = _create(dz, tenant.account(), status="draft", number="INV-D").json()
    assert invoice["status"] == "draft"
    finalized = dz.post(f"/api/v1/invoices/{invoice['id']}/finalize")
    assert finalized.status_code == 200, finalized.content
    golden("invoice_finalize", finalized.json(), {invoice["id"]: "invoice"})
    assert finalized.json()["status"] == "open"
    again = dz.post(f"/api/v1/invoices/{invoice['id']}/finalize")
    assert again.json() == {
        "detail": [
            {
                "loc": ["path", "invoice_id"],
                "msg": "Value error, The invoice is open, not draft",
                "type": "value_error",
                "input": invoice["id"],
            }
        ]
    }


def test_void_and_void_again(dz, tenant):
    invoice = tenant.invoice("10.00", number="INV-V")
    voided = dz.post(f"/api/v1/invoices/{invoice.id}/void")
    assert voided.status_code == 200, voided.content
    golden("invoice_void", voided.json(), {invoice.id: "invoice"})
    assert voided.json()["status"] == "void"
    assert locs(dz.post(f"/api/v1/invoices/{invoice.id}/void")) == [(["path", "invoice_id"], "value_error")]


def test_an_invoice_with_payments_is_not_voided(dz, tenant):
    invoice = tenant.invoice("10.00")
    payment = tenant.payment("10.00")
    services.payment_apply(
        ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=payment.id, amount=invoice.amount
    )
    response = dz.post(f"/api/v1/invoices/{invoice.id}/void")
    assert locs(response) == [(["path", "invoice_id"], "value_error")]
    assert "remove or refund them first" in response.json()["detail"][0]["msg"]
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert not LedgerEvent.objects.for_tenant(tenant.ctx()).filter(kind="invoice_voided").exists()


def test_a_paid_invoice_reads_manual_paid(dz, tenant):
    invoice = tenant.invoice("10.00")
    payment = tenant.payment("10.00")
    services.payment_apply(
        ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=payment.id, amount=invoice.amount
    )
    body = dz.get(f"/api/v1/invoices/{invoice.id}").json()
    assert (body["status"], body["paid_amount"], body["balance"]) == ("manual_paid", 1000, 0)


def test_list_filters(dz, tenant):
    usd, eur = tenant.account(), tenant.account(currency="EUR")
    early = tenant.invoice("1", account=usd, due_date=timezone.datetime(2026, 1, 31).date())
    late = tenant.invoice("2", account=usd, due_date=timezone.datetime(2026, 3, 31).date())
    draft = tenant.invoice("3", account=usd, status="draft")
    euro = tenant.invoice("4", account=eur, currency="EUR")
    paid = tenant.invoice("5", account=usd)
    payment = tenant.payment("5")
    services.payment_apply(ctx=tenant.ctx(), invoice_id=paid.id, payment_id=payment.id, amount=paid.amount)

    def ids(query):
        response = dz.get(f"/api/v1/invoices?{query}")
        assert response.status_code == 200, response.content
        return {item["id"] for item in response.json()["items"]}

    assert ids("") == {str(i.id) for i in (early, late, draft, euro, paid)}
    assert ids("status=draft") == {str(draft.id)}
    assert ids("status=manual_paid") == {str(paid.id)}
    assert ids("status=open&currency=USD") == {str(early.id), str(late.id)}
    assert ids("currency=EUR") == {str(euro.id)}
    assert ids(f"account_id={eur.id}") == {str(euro.id)}
    assert ids("due_date_from=2026-02-01") == {str(late.id)}
    assert ids("due_date_to=2026-02-01") == {str(early.id)}
    assert ids("due_date_from=2026-01-31&due_date_to=2026-03-31") == {str(early.id), str(late.id)}
    page = dz.get("/api/v1/invoices?status=open&currency=USD&limit=1&include_total_count=true").json()
    assert (len(page["items"]), page["total_count"]) == (1, 2)


def test_list_pages_with_a_filter(dz, tenant):
    account = tenant.account()
    ids = [str(tenant.invoice("1", account=account).id) for _ in range(3)]
    tenant.invoice("1", currency="EUR")
    first = dz.get("/api/v1/invoices?currency=USD&limit=2").json()
    assert [i["id"] for i in first["items"]] == ids[:2]
    second = dz.get(f"/api/v1/invoices?currency=USD&limit=2&cursor={first['next_cursor']}").json()
    assert [i["id"] for i in second["items"]] == ids[2:]
    assert second["next_cursor"] is None


@pytest.mark.parametrize(
    ("query", "loc", "kind"),
    [
        ("status=paid", ["query", "status"], "enum"),
        ("account_id=nope", ["query", "account_id"], "uuid_parsing"),
        ("currency=JPY", ["query", "currency"], "enum"),
        ("due_date_from=2026-02-30", ["query", "due_date_from"], "date_parsing"),
        ("due_date_to=tomorrow", ["query", "due_date_to"], "date_parsing"),
        ("limit=500", ["query", "limit"], "less_than_equal"),
        ("cursor=not-a-cursor", ["query", "cursor"], "value_error"),
    ],
)
def test_bad_list_filters_are_422_at_their_query_loc(dz, tenant, query, loc, kind):
    response = dz.get(f"/api/v1/invoices?{query}")
    assert locs(response) == [(loc, kind)]
    assert response.json()["detail"][0]["input"] == query.split("=", 1)[1]


@pytest.mark.parametrize(
    ("change", "loc", "kind"),
    [
        ({"account_id": MISSING}, ["body", "account_id"], "missing"),
        ({"amount": MISSING}, ["body", "amount"], "missing"),
        ({"amount": None}, ["body", "amount"], "missing"),
        ({"amount": 0}, ["body", "amount"], "greater_than"),
        ({"amount": -100}, ["body", "amount"], "greater_than"),
        ({"amount": 10.5}, ["body", "amount"], "int_from_float"),
        ({"amount": "ten"}, ["body", "amount"], "int_parsing"),
        ({"amount": True}, ["body", "amount"], "int_type"),
        ({"amount": [1]}, ["body", "amount"], "int_type"),
        ({"amount": 10**17}, ["body", "amount"], "less_than"),
        ({"currency": "JPY"}, ["body", "currency"], "enum"),
        ({"currency": "EUR"}, ["body", "currency"], "value_error"),
        ({"account_id": "nope"}, ["body", "account_id"], "uuid_parsing"),
        ({"status": "paid"}, ["body", "status"], "enum"),
        ({"issue_date": "2026-13-01"}, ["body", "issue_date"], "date_parsing"),
        ({"issue_date": "2026-02-10", "due_date": "2026-02-01"}, ["body", "due_date"], "value_error"),
        ({"number": ""}, ["body", "number"], "string_too_short"),
        ({"number": "N" * 65}, ["body", "number"], "string_too_long"),
        ({"number": 7}, ["body", "number"], "string_type"),
    ],
)
def test_create_validation_is_422_and_creates_nothing(dz, tenant, change, loc, kind):
    account = tenant.account()
    body = {"account_id": str(account.id), "currency": "USD", "amount": 100, **change}
    body = {key: value for key, value in body.items() if value is not MISSING}
    response = dz.post("/api/v1/invoices", body, format="json")
    assert locs(response) == [(loc, kind)]
    assert not Invoice.objects.for_tenant(tenant.ctx()).exists()


def test_a_duplicate_number_is_422(dz, tenant):
    account = tenant.account()
    assert _create(dz, account, number="INV-9").status_code == 201
    response = _create(dz, account, number="INV-9")
    assert locs(response) == [(["body", "number"], "value_error")]
    assert response.json()["detail"][0]["input"] == "INV-9"


def test_an_unknown_account_is_404(dz, tenant, other_tenant):
    for account_id in ("00000000-0000-0000-0000-000000000000", str(other_tenant.account().id)):
        response = dz.post(
            "/api/v1/invoices", {"account_id": account_id, "currency": "USD", "amount": 100}, format="json"
        )
        assert (response.status_code, response.json()) == (404, {"detail": "Not Found"})


def test_a_huge_exponent_is_refused_at_once(dz, tenant):
    account = tenant.account()
    raw = json.dumps({"account_id": str(account.id), "currency": "USD"})[:-1] + ', "amount": 1e999999}'
    response = dz.post("/api/v1/invoices", raw, content_type="application/json")
    assert locs(response) == [(["body", "amount"], "less_than")]
