from decimal import Decimal

import pytest

from ledger.models import LedgerEvent
from payments import services
from payments.models import Payment
from tests.api.dayzero.helpers import client_for, golden, locs
from tests.factories import make_tenant

pytestmark = pytest.mark.django_db
MISSING = object()
BODY = {
    "amount": 250000,
    "currency": "USD",
    "datetime": "2026-01-20T14:45:00Z",
    "description": "WIRE IN ACME CORP",
    "counterparty": "Acme Corp",
}


def test_create_get_and_list(dz, tenant):
    created = dz.post("/api/v1/transactions", BODY, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    names = {body["id"]: "transaction"}
    golden("transaction_create", body, names)
    assert list(body) == [
        "id",
        "amount",
        "currency",
        "datetime",
        "description",
        "counterparty",
        "allocated_amount",
        "unallocated_amount",
        "created_at",
    ]
    assert (body["amount"], body["allocated_amount"], body["unallocated_amount"]) == (250000, 0, 250000)
    assert body["datetime"] == "2026-01-20T14:45:00Z"
    payment = Payment.objects.for_tenant(tenant.ctx()).get(pk=body["id"])
    assert (payment.for_invoice_id, payment.amount, payment.counterparty) == (
        None,
        Decimal("2500"),
        "Acme Corp",
    )
    assert (
        LedgerEvent.objects.for_tenant(tenant.ctx())
        .filter(payment_id=payment.pk, kind="payment_recorded")
        .exists()
    )

    fetched = dz.get(f"/api/v1/transactions/{body['id']}")
    golden("transaction_get", fetched.json(), names)
    assert fetched.json() == body
    listed = dz.get("/api/v1/transactions")
    golden("transaction_list", listed.json(), names)
    assert listed.json()["items"] == [body]


def test_description_and_counterparty_are_optional(dz, tenant):
    for extra in ({}, {"description": None, "counterparty": None}, {"description": "", "counterparty": ""}):
        body = {"amount": 1, "currency": "GBP", "datetime": "2026-01-20T14:45:00+02:00", **extra}
        response = dz.post("/api/v1/transactions", body, format="json")
        assert response.status_code == 201, response.content
        assert (response.json()["description"], response.json()["counterparty"]) == (None, None)
        assert response.json()["datetime"] == "2026-01-20T12:45:00Z"


def test_the_allocation_shows_on_the_transaction(dz, tenant):
    invoice = tenant.invoice("30.00")
    payment = tenant.payment("100.00")
    services.payment_apply(
        ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=payment.id, amount=Decimal("30")
    )
    body = dz.get(f"/api/v1/transactions/{payment.id}").json()
    assert (body["allocated_amount"], body["unallocated_amount"]) == (3000, 7000)


def test_every_payment_of_the_business_is_a_transaction(dz, tenant):
    """Recorded on its own (here, through Zuora) or as paying one invoice (through Moov)."""
    invoice = tenant.invoice("10")
    payments = [
        tenant.payment("1"),
        tenant.payment("1", reference="ZUORA-REF"),
        services.payment_record_for_invoice(
            ctx=tenant.ctx(), invoice_id=invoice.id, amount=Decimal("1"), currency="USD"
        ).payment,
    ]
    listed = dz.get("/api/v1/transactions").json()["items"]
    assert [item["id"] for item in listed] == [str(p.id) for p in payments]


def test_list_filters(dz, tenant):
    open_one = tenant.payment("10")
    spent = tenant.payment("10")
    invoice = tenant.invoice("10")
    services.payment_apply(ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=spent.id, amount=Decimal("10"))
    Payment.objects.for_tenant(tenant.ctx()).filter(pk=open_one.pk).update(occurred_at="2026-01-01T00:00:00Z")
    Payment.objects.for_tenant(tenant.ctx()).filter(pk=spent.pk).update(occurred_at="2026-02-01T00:00:00Z")

    def ids(query):
        response = dz.get(f"/api/v1/transactions?{query}")
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    assert ids("has_unallocated=true") == [str(open_one.id)]
    assert ids("has_unallocated=false") == [str(spent.id)]
    assert ids("start_date=2026-01-15T00:00:00Z") == [str(spent.id)]
    assert ids("end_date=2026-01-15T00:00:00Z") == [str(open_one.id)]
    assert ids("start_date=2026-01-01T00:00:00Z&end_date=2026-02-01T00:00:00Z") == [
        str(open_one.id),
        str(spent.id),
    ]
    assert ids("start_date=2026-01-15&has_unallocated=true") == []


@pytest.mark.parametrize(
    ("query", "loc", "kind"),
    [
        ("has_unallocated=maybe", ["query", "has_unallocated"], "bool_parsing"),
        ("start_date=yesterday", ["query", "start_date"], "datetime_parsing"),
        ("end_date=2026-01-01T25:00:00Z", ["query", "end_date"], "datetime_parsing"),
        ("direction=sideways", ["query", "direction"], "enum"),
        ("limit=0", ["query", "limit"], "greater_than_equal"),
        ("include_total_count=perhaps", ["query", "include_total_count"], "bool_parsing"),
    ],
)
def test_bad_list_filters_are_422(dz, tenant, query, loc, kind):
    assert locs(dz.get(f"/api/v1/transactions?{query}")) == [(loc, kind)]


@pytest.mark.parametrize(
    ("change", "loc", "kind"),
    [
        ({"amount": MISSING}, ["body", "amount"], "missing"),
        ({"amount": 0}, ["body", "amount"], "greater_than"),
        ({"amount": -5}, ["body", "amount"], "greater_than"),
        ({"amount": 12.34}, ["body", "amount"], "int_from_float"),
        ({"amount": "12x"}, ["body", "amount"], "int_parsing"),
        ({"amount": 10**30}, ["body", "amount"], "less_than"),
        ({"currency": MISSING}, ["body", "currency"], "missing"),
        ({"currency": "usd"}, ["body", "currency"], "enum"),
        ({"currency": "CHF"}, ["body", "currency"], "enum"),
        ({"datetime": MISSING}, ["body", "datetime"], "missing"),
        ({"datetime": "20 January"}, ["body", "datetime"], "datetime_parsing"),
        ({"datetime": "9999-12-31T23:59:59-01:00"}, ["body", "datetime"], "datetime_parsing"),
        ({"datetime": 1768920300}, ["body", "datetime"], "datetime_parsing"),
        ({"description": 5}, ["body", "description"], "string_type"),
        ({"description": "d" * 1001}, ["body", "description"], "string_too_long"),
        ({"counterparty": "c" * 256}, ["body", "counterparty"], "string_too_long"),
    ],
)
def test_create_validation_is_422_and_records_nothing(dz, tenant, change, loc, kind):
    body = {key: value for key, value in {**BODY, **change}.items() if value is not MISSING}
    assert locs(dz.post("/api/v1/transactions", body, format="json")) == [(loc, kind)]
    assert not Payment.objects.for_tenant(tenant.ctx()).exists()


def test_every_error_is_reported_at_once(dz, tenant):
    response = dz.post("/api/v1/transactions", {"amount": 1.5}, format="json")
    assert locs(response) == [
        (["body", "amount"], "int_from_float"),
        (["body", "currency"], "missing"),
        (["body", "datetime"], "missing"),
    ]
    assert response.json()["detail"][0]["input"] == 1.5


def test_a_business_with_several_entities_names_one(db):
    tenant = make_tenant(entities=2)
    response = client_for(tenant).post("/api/v1/transactions", BODY, format="json")
    assert response.status_code == 400
    assert "Zuora-Entity-Ids" in response.json()["detail"]
    named = client_for(tenant, HTTP_ZUORA_ENTITY_IDS=str(tenant.entity_ids[1]))
    created = named.post("/api/v1/transactions", BODY, format="json")
    assert created.status_code == 201, created.content
    assert Payment.objects.for_tenant(tenant.ctx()).get().entity_id == tenant.entity_ids[1]
