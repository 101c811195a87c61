"""The Invoice Settlement API through Django's test client: figures, the rules the ledger keeps, and every
refusal as Zuora's CommonResponse (`reasons[{code, message}]`), changing nothing. The SDK's own client
drives the same routes in test_sdk_settlement.py."""

import gzip
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from zuora_sdk.models import CommonResponse

from invoices.models import Invoice
from ledger.models import LedgerEvent
from payments.models import InvoicePayment, Payment, Refund
from tenants.models import Account
from tests.factories import make_tenant

pytestmark = pytest.mark.django_db
D = Decimal


def _h(tenant, **extra):
    return {"HTTP_AUTHORIZATION": f"Bearer {tenant.token}", **extra}


def _send(api, tenant, method, path, body=None, **headers):
    data = json.dumps(body) if body is not None and not isinstance(body, bytes) else body
    return getattr(api, method)(f"/v1/{path}", data, content_type="application/json", **_h(tenant, **headers))


def _ok(response) -> dict:
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["success"] is True
    return body


def _refused(response, code: str, fragment: str = "") -> list[dict]:
    """A 400 in the SDK's CommonResponse, its first reason of `code`, its message holding `fragment`."""
    assert response.status_code == 400, response.content
    body = response.json()
    CommonResponse.from_dict(body)
    assert body["success"] is False and body["requestId"] == response["x-request-id"]
    assert body["reasons"][0]["code"] == code, body
    assert fragment in body["reasons"][0]["message"], body
    return body["reasons"]


def _ledger_size() -> tuple[int, ...]:
    return (
        Payment.objects.across_tenants(reason="test").count(),
        InvoicePayment.objects.across_tenants(reason="test").count(),
        Refund.objects.across_tenants(reason="test").count(),
        LedgerEvent.objects.across_tenants(reason="test").count(),
    )


@pytest.fixture
def account(tenant):
    return tenant.account(name="Acme", email="ap@acme.test")


@pytest.fixture
def invoices(tenant, account):
    return (
        tenant.invoice("100.00", account=account, number="INV-A"),
        tenant.invoice("50.00", account=account, number="INV-B"),
    )


def _pay(api, tenant, account, amount, invoices=(), headers=None, **extra):
    body = {"type": "External", "accountId": account.id.hex, "amount": amount, "currency": "USD"}
    if invoices:
        body["invoices"] = [{"invoiceId": i.id.hex, "amount": a} for i, a in invoices]
    return _send(api, tenant, "post", "payments", {**body, **extra}, **(headers or {}))


# --- accounts -------------------------------------------------------------------------------------------


def test_an_account_is_created_and_found_by_id_and_number(api, tenant):
    created = _ok(
        _send(
            api,
            tenant,
            "post",
            "accounts",
            {
                "name": "Globex",
                "currency": "EUR",
                "billToContact": {"firstName": "Ada", "lastName": "Byron", "workEmail": "ada@globex.test"},
            },
        )
    )
    assert created["accountNumber"].startswith("A") and len(created["accountNumber"]) == 9
    by_id = _ok(_send(api, tenant, "get", f"accounts/{created['accountId']}"))
    by_number = _ok(_send(api, tenant, "get", f"accounts/{created['accountNumber']}"))
    assert by_id == by_number
    assert by_id["basicInfo"]["name"] == "Globex"
    assert by_id["billToContact"]["firstName"] == "Ada"
    assert by_id["billToContact"]["workEmail"] == "ada@globex.test"
    assert by_id["metrics"] == {
        "balance": 0,
        "totalInvoiceBalance": 0,
        "unappliedPaymentAmount": 0,
        "creditBalance": 0,
        "currency": "EUR",
    }


@pytest.mark.parametrize(
    ("body", "code", "fragment"),
    [
        ({"currency": "USD", "billToContact": {"firstName": "A", "lastName": "B"}}, "50000022", "name"),
        ({"name": "X", "currency": "USD"}, "50000022", "billToContact"),
        ({"name": "X", "currency": "USD", "billToContact": {"lastName": "B"}}, "50000022", "firstName"),
        (
            {"name": "X", "currency": "XXQ", "billToContact": {"firstName": "A", "lastName": "B"}},
            "50000020",
            "",
        ),
        (
            {
                "name": "X",
                "currency": "USD",
                "billToContact": {"firstName": "A", "lastName": "B"},
                "runBilling": True,
            },
            "50000020",
            "runBilling: not supported",
        ),
        (
            {"name": ["X"], "currency": "USD", "billToContact": {"firstName": "A", "lastName": "B"}},
            "50000020",
            "name",
        ),
    ],
)
def test_account_refusals(api, tenant, body, code, fragment):
    _refused(_send(api, tenant, "post", "accounts", body), code, fragment)
    assert not Account.objects.across_tenants(reason="test").exists()


def test_a_missing_account_is_a_not_found_reason(api, tenant, other_tenant):
    elsewhere = other_tenant.account()
    for key in (elsewhere.id.hex, "A99999999", "nonsense"):
        _refused(_send(api, tenant, "get", f"accounts/{key}"), "50000040", "not found")


def test_the_account_metrics_are_its_balance_and_unapplied_money(api, tenant, account, invoices):
    _ok(_pay(api, tenant, account, 130, [(invoices[0], 100)]))
    metrics = _ok(_send(api, tenant, "get", f"accounts/{account.id.hex}"))["metrics"]
    assert metrics["balance"] == 50 and metrics["unappliedPaymentAmount"] == 30


# --- invoices -------------------------------------------------------------------------------------------


def _invoice_body(account, **extra):
    return {
        "accountId": account.id.hex,
        "invoiceDate": "2026-12-01",
        "dueDate": "2026-12-31",
        "invoiceItems": [
            {
                "amount": 30,
                "quantity": 3,
                "unitPrice": 10,
                "chargeName": "Seats",
                "serviceStartDate": "2026-12-01",
            },
            {"amount": "12.345", "description": "Setup", "serviceStartDate": "2026-12-01"},
        ],
        **extra,
    }


def test_a_standalone_invoice_is_its_items_and_is_posted(api, tenant, account):
    created = _ok(_send(api, tenant, "post", "invoices", _invoice_body(account)))
    assert created["status"] == "Draft" and created["amount"] == 42.345 and created["balance"] == 42.345
    assert created["invoiceNumber"]  # the next of the account's entity
    items = _ok(_send(api, tenant, "get", f"invoices/{created['id']}/items"))["invoiceItems"]
    assert [(i["chargeName"], i["quantity"], i["unitPrice"], i["chargeAmount"]) for i in items] == [
        ("Seats", 3, 10, "30"),
        ("Setup", 1, 12.345, "12.345"),
    ]
    posted = _ok(
        _send(api, tenant, "put", f"invoices/{created['invoiceNumber']}/post", {"invoiceDate": "2026-12-02"})
    )
    assert posted["jobStatus"] == "Completed"
    shown = _ok(_send(api, tenant, "get", f"invoices/{created['id']}"))
    assert shown["status"] == "Posted" and shown["invoiceDate"] == "2026-12-02"
    # Posted once: posting again or canceling is a rule the ledger keeps.
    _refused(_send(api, tenant, "put", f"invoices/{created['id']}/post"), "50000030", "not draft")
    _refused(_send(api, tenant, "put", f"invoices/{created['id']}/cancel"), "50000030", "not draft")


def test_a_draft_is_canceled_and_keeps_its_number(api, tenant, account):
    created = _ok(_send(api, tenant, "post", "invoices", _invoice_body(account, invoiceNumber="INV-77")))
    _ok(_send(api, tenant, "put", "invoices/INV-77/cancel"))
    shown = _ok(_send(api, tenant, "get", "invoices/INV-77"))
    assert shown["id"] == created["id"] and shown["status"] == "Canceled"
    _refused(
        _send(api, tenant, "post", "invoices", _invoice_body(account, invoiceNumber="INV-77")),
        "50000030",
        "exists",
    )


@pytest.mark.parametrize(
    ("item", "code", "fragment"),
    [
        ({"amount": 31, "quantity": 3, "unitPrice": 10}, "50000020", "quantity x unitPrice"),
        ({"amount": 3, "quantity": "1.5"}, "50000020", "whole number"),
        ({"amount": -5}, "50000020", "amount"),
        ({"amount": "1.0000000001"}, "50000020", "amount"),
        ({"amount": "1e30"}, "50000020", "amount"),
        ({"amount": "ten"}, "50000020", "amount"),
        ({}, "50000022", "amount"),
        ({"amount": 5, "taxItems": [{"taxAmount": 1}]}, "50000020", "taxItems: not supported"),
    ],
)
def test_invoice_item_refusals_change_nothing(api, tenant, account, item, code, fragment):
    item = {"serviceStartDate": "2026-12-01", **item}
    _refused(
        _send(api, tenant, "post", "invoices", _invoice_body(account, invoiceItems=[item])), code, fragment
    )
    assert not Invoice.objects.across_tenants(reason="test").exists()


@pytest.mark.parametrize(
    ("change", "code", "fragment"),
    [
        ({"invoiceItems": []}, "50000020", "invoiceItems"),
        ({"accountId": None}, "50000022", ""),
        ({"invoiceDate": "01/12/2026"}, "50000020", "invoiceDate"),
        ({"dueDate": "2026-11-01"}, "50000020", "due date"),
        ({"currency": "EUR"}, "50000020", "currency"),
        ({"status": "Paid"}, "50000020", "status"),
    ],
)
def test_invoice_refusals_change_nothing(api, tenant, account, change, code, fragment):
    body = {k: v for k, v in _invoice_body(account, **change).items() if v is not None}
    _refused(_send(api, tenant, "post", "invoices", body), code, fragment)
    assert not Invoice.objects.across_tenants(reason="test").exists()


# --- payments: figures ----------------------------------------------------------------------------------


def test_a_payment_applied_across_two_invoices_then_unapplied_and_refunded(api, tenant, account, invoices):
    first, second = invoices
    paid = _ok(_pay(api, tenant, account, 200, [(first, 100), (second, "20.5")], referenceId="WIRE-1"))
    assert (paid["amount"], paid["appliedAmount"], paid["unappliedAmount"], paid["refundAmount"]) == (
        200,
        120.5,
        79.5,
        0,
    )
    assert paid["number"].startswith("P-") and paid["referenceId"] == "WIRE-1"
    key = paid["number"]

    after = _ok(
        _send(
            api,
            tenant,
            "put",
            f"payments/{key}/unapply",
            {"invoices": [{"invoiceNumber": "INV-A", "amount": 40}]},
        )
    )
    assert (after["appliedAmount"], after["unappliedAmount"]) == (80.5, 119.5)
    refund = _ok(
        _send(
            api,
            tenant,
            "post",
            f"payments/{key}/refunds",
            {"type": "External", "totalAmount": "19.5", "methodType": "Check"},
        )
    )
    assert refund["amount"] == 19.5 and refund["methodType"] == "Check" and refund["number"].startswith("R-")
    shown = _ok(_send(api, tenant, "get", f"payments/{paid['id']}"))
    assert (shown["amount"], shown["appliedAmount"], shown["unappliedAmount"], shown["refundAmount"]) == (
        200,
        80.5,
        100,
        19.5,
    )
    parts = _ok(_send(api, tenant, "get", f"payments/{key}/parts"))["parts"]
    assert sorted((p["invoiceId"], p["amount"]) for p in parts) == sorted(
        [(first.id.hex, 60), (second.id.hex, 20.5)]
    )
    part = _ok(_send(api, tenant, "get", f"payments/{key}/parts/{parts[0]['id']}"))["paymentPart"]
    assert part == parts[0]
    first_shown = _ok(_send(api, tenant, "get", "invoices/INV-A"))
    assert (first_shown["paymentAmount"], first_shown["refundAmount"], first_shown["balance"]) == (60, 0, 40)
    applied = _ok(_send(api, tenant, "get", "invoices/INV-B/application-parts"))["applicationParts"]
    assert [(a["paymentId"], a["appliedAmount"]) for a in applied] == [(paid["id"], 20.5)]


def test_a_refund_with_auto_unapply_takes_the_money_off_the_invoice_first(api, tenant, account, invoices):
    first, _ = invoices
    paid = _ok(_pay(api, tenant, account, 120, [(first, 100)]))
    refund = _ok(
        _send(
            api,
            tenant,
            "post",
            f"payments/{paid['id']}/refunds/unapply",
            {"type": "External", "totalAmount": 50, "invoices": [{"invoiceId": first.id.hex, "amount": 30}]},
        )
    )
    assert refund["amount"] == 50
    shown = _ok(_send(api, tenant, "get", f"payments/{paid['id']}"))
    assert (shown["appliedAmount"], shown["unappliedAmount"], shown["refundAmount"]) == (70, 0, 50)
    invoice = _ok(_send(api, tenant, "get", f"invoices/{first.id.hex}"))
    # Balance = Amount - PaymentAmount + RefundAmount (seed 003).
    assert (invoice["paymentAmount"], invoice["refundAmount"], invoice["balance"]) == (100, 30, 30)
    refund_parts = _ok(_send(api, tenant, "get", f"refunds/{refund['number']}/parts"))["parts"]
    assert [(p["paymentId"], p["amount"]) for p in refund_parts] == [(paid["id"], 50)]


def test_a_payment_with_nothing_applied_is_canceled_and_updated(api, tenant, account):
    paid = _ok(_pay(api, tenant, account, 10))
    updated = _ok(
        _send(
            api,
            tenant,
            "put",
            f"payments/{paid['number']}",
            {"comment": "cheque 42", "referenceId": "CHQ-42"},
        )
    )
    assert (updated["comment"], updated["referenceId"]) == ("cheque 42", "CHQ-42")
    canceled = _ok(_send(api, tenant, "put", f"payments/{paid['number']}/cancel"))
    assert canceled["status"] == "Canceled"
    _refused(_send(api, tenant, "put", f"payments/{paid['number']}/cancel"), "50000030")


# --- payments: refusals change nothing ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "code", "fragment"),
    [
        ({"amount": 0}, "50000020", "amount"),
        ({"amount": -1}, "50000020", "amount"),
        ({"amount": "1.0000000001"}, "50000020", "amount"),
        ({"amount": 10**40}, "50000020", "amount"),
        ({"amount": "lots"}, "50000020", "amount"),
        ({"amount": None}, "50000022", "amount"),
        ({"currency": "XXQ"}, "50000020", "currency"),
        ({"currency": "EUR"}, "50000020", "currency"),
        ({"type": "Electronic"}, "50000020", "type"),
        ({"gatewayId": "g"}, "50000020", "gatewayId: not supported"),
        ({"accountId": "0" * 32}, "50000040", "not found"),
        ({"invoices": [{"invoiceNumber": "INV-NOPE", "amount": 1}]}, "50000040", "not found"),
        ({"amount": 200, "invoices": [{"invoiceNumber": "INV-A", "amount": 101}]}, "50000020", "balance"),
        (
            {
                "invoices": [
                    {"invoiceNumber": "INV-A", "amount": 60},
                    {"invoiceNumber": "INV-B", "amount": 50},
                ]
            },
            "50000020",
            "",
        ),
        (
            {"invoices": [{"invoiceNumber": "INV-A", "amount": 1}, {"invoiceNumber": "INV-A", "amount": 1}]},
            "50000020",
            "twice",
        ),
        ({"invoices": [{"amount": 1}]}, "50000022", "invoices[0].invoiceId: invoiceId or invoiceNumber"),
        ({"invoices": {"invoiceNumber": "INV-A"}}, "50000020", "invoices"),
    ],
)
def test_payment_refusals_change_nothing(api, tenant, account, invoices, change, code, fragment):
    before = _ledger_size()
    body = {"type": "External", "accountId": account.id.hex, "amount": 100, "currency": "USD", **change}
    _refused(
        _send(api, tenant, "post", "payments", {k: v for k, v in body.items() if v is not None}),
        code,
        fragment,
    )
    assert _ledger_size() == before


def test_apply_unapply_and_refund_refusals_change_nothing(api, tenant, account, invoices):
    first, second = invoices
    paid = _ok(_pay(api, tenant, account, 60, [(first, 50)]))
    before = _ledger_size()
    key = paid["number"]
    for method, path, body, code in [
        (
            "put",
            f"payments/{key}/apply",
            {"invoices": [{"invoiceId": second.id.hex, "amount": 11}]},
            "50000020",
        ),
        ("put", f"payments/{key}/apply", {"invoices": []}, "50000020"),
        (
            "put",
            f"payments/{key}/unapply",
            {"invoices": [{"invoiceId": first.id.hex, "amount": 51}]},
            "50000020",
        ),
        (
            "put",
            f"payments/{key}/unapply",
            {"invoices": [{"invoiceId": second.id.hex, "amount": 1}]},
            "50000020",
        ),
        ("post", f"payments/{key}/refunds", {"type": "External", "totalAmount": 11}, "50000020"),
        (
            "post",
            f"payments/{key}/refunds",
            {"type": "External", "totalAmount": 5, "methodType": "Barter"},
            "50000020",
        ),
        ("post", f"payments/{key}/refunds", {"totalAmount": 5}, "50000022"),
        ("put", f"payments/{key}/cancel", None, "50000030"),
        ("get", "payments/P-99999999", None, "50000040"),
        ("get", f"payments/{key}/parts/{'0' * 32}", None, "50000040"),
        ("get", "refunds/R-00000000", None, "50000040"),
    ]:
        _refused(_send(api, tenant, method, path, body), code)
    assert _ledger_size() == before


# --- the wire: unknown fields, malformed bodies, gzip, idempotency ----------------------------------------


def test_unknown_fields_are_ignored_unless_the_client_asks_to_reject_them(api, tenant, account):
    body = {"type": "External", "accountId": account.id.hex, "amount": 5, "currency": "USD", "colour": "blue"}
    _ok(_send(api, tenant, "post", "payments", body))
    refused = api.post(
        "/v1/payments?rejectUnknownFields=true",
        json.dumps(body),
        content_type="application/json",
        **_h(tenant),
    )
    _refused(refused, "50000021")
    assert Payment.objects.across_tenants(reason="test").count() == 1


@pytest.mark.parametrize("raw", [b"{", b"[]", b'"text"', b"\xff\xfe"])
def test_malformed_bodies_are_refused(api, tenant, raw):
    response = _send(api, tenant, "post", "payments", raw)
    assert response.status_code == 400 and response.json()["success"] is False
    assert response.json()["reasons"][0]["code"] in ("50000090", "50000020")


def test_a_gzipped_payment_is_inflated_and_a_long_answer_gzipped_when_asked(api, tenant, account):
    body = {"type": "External", "accountId": account.id.hex, "amount": 5, "currency": "USD"}
    for _ in range(3):
        sent = api.post(
            "/v1/payments",
            gzip.compress(json.dumps(body).encode()),
            content_type="application/json",
            HTTP_CONTENT_ENCODING="gzip",
            **_h(tenant),
        )
        assert _ok(sent)["amount"] == 5
    listed = api.get("/v1/payments", HTTP_ACCEPT_ENCODING="gzip", **_h(tenant))
    assert listed.status_code == 200 and listed["Content-Encoding"] == "gzip"
    assert len(json.loads(gzip.decompress(listed.content))["payments"]) == 3
    bad = api.post(
        "/v1/payments",
        b"\x1f\x8bnot gzip",
        content_type="application/json",
        HTTP_CONTENT_ENCODING="gzip",
        **_h(tenant),
    )
    _refused(bad, "50000020", "gzip")
    assert Payment.objects.across_tenants(reason="test").count() == 3


def test_an_idempotency_key_replays_the_payment(api, tenant, account, invoices):
    first = _pay(api, tenant, account, 30, [(invoices[0], 30)], headers={"HTTP_IDEMPOTENCY_KEY": "pay-once"})
    again = _pay(api, tenant, account, 30, [(invoices[0], 30)], headers={"HTTP_IDEMPOTENCY_KEY": "pay-once"})
    assert first.content == again.content and _ok(first)["appliedAmount"] == 30
    assert (
        Payment.objects.across_tenants(reason="test").count() == 1
        and InvoicePayment.objects.across_tenants(reason="test").count() == 1
    )


def test_the_track_id_comes_back_on_answers_and_refusals(api, tenant):
    for path in ("payments", "payments/P-1"):
        response = api.get(f"/v1/{path}", HTTP_ZUORA_TRACK_ID="trace-7", **_h(tenant))
        assert response["Zuora-Track-Id"] == "trace-7"
        assert response["Zuora-Request-Id"] == response["x-request-id"]


# --- entities and tenants -------------------------------------------------------------------------------


def test_an_entity_sees_only_its_own_objects(api):
    tenant = make_tenant(entities=2)
    first, second = tenant.entity_ids
    account = tenant.account(entity_id=first)
    invoice = tenant.invoice("10", account=account, number="INV-1")
    paid = _ok(_pay(api, tenant, account, 10, [(invoice, 10)], headers={"HTTP_ZUORA_ENTITY_IDS": first.hex}))
    for path in (f"payments/{paid['id']}", f"accounts/{account.id.hex}", "invoices/INV-1"):
        _ok(_send(api, tenant, "get", path, HTTP_ZUORA_ENTITY_IDS=first.hex))
        _refused(_send(api, tenant, "get", path, HTTP_ZUORA_ENTITY_IDS=second.hex), "50000040")
    listed = _ok(_send(api, tenant, "get", "payments", HTTP_ZUORA_ENTITY_IDS=second.hex))
    assert listed["payments"] == []


# --- lists ----------------------------------------------------------------------------------------------


def test_payments_page_with_next_page_sort_and_filters(api, tenant, account):
    for amount in (5, 7, 9):
        _ok(_pay(api, tenant, account, amount))
    page = _ok(_send(api, tenant, "get", "payments?pageSize=2"))
    assert [p["amount"] for p in page["payments"]] == [9, 7]  # newest number first by default
    assert sorted(page["nextPage"].split("?")[1].split("&")) == ["page=2", "pageSize=2"]
    rest = _ok(api.get(page["nextPage"], **_h(tenant)))
    assert [p["amount"] for p in rest["payments"]] == [5] and "nextPage" not in rest
    ascending = _ok(_send(api, tenant, "get", "payments?sort=-amount"))
    assert [p["amount"] for p in ascending["payments"]] == [5, 7, 9]
    assert [p["amount"] for p in _ok(_send(api, tenant, "get", "payments?amount=7"))["payments"]] == [7]
    assert _ok(_send(api, tenant, "get", "payments?status=Error"))["payments"] == []
    _refused(_send(api, tenant, "get", "payments?pageSize=41"), "50000020", "pageSize")
    _refused(_send(api, tenant, "get", "payments?sort=-colour"), "50000020", "sortable")
    _refused(_send(api, tenant, "get", "payments?accountId=nope"), "50000020", "accountId")


def test_refunds_are_listed_and_filtered_by_payment(api, tenant, account):
    paid = _ok(_pay(api, tenant, account, 20))
    other = _ok(_pay(api, tenant, account, 20))
    for key in (paid["id"], other["id"], paid["id"]):
        _ok(_send(api, tenant, "post", f"payments/{key}/refunds", {"type": "External", "totalAmount": 3}))
    listed = _ok(_send(api, tenant, "get", f"refunds?paymentId={paid['id']}"))["refunds"]
    assert [r["paymentId"] for r in listed] == [paid["id"], paid["id"]]
    numbers = [r["number"] for r in _ok(_send(api, tenant, "get", "refunds"))["refunds"]]
    assert numbers == sorted(numbers, reverse=True) and len(numbers) == 3


@pytest.mark.parametrize(
    "path", ["payments", "refunds", "invoices/INV-A/application-parts", "invoices/INV-A/items"]
)
def test_a_list_costs_the_same_queries_however_long(api, tenant, account, invoices, path):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            _ok(_send(api, tenant, "get", path))
        return len(captured)

    def grow():
        paid = _ok(_pay(api, tenant, account, 1, [(invoices[0], 1)]))
        _ok(
            _send(
                api,
                tenant,
                "post",
                f"payments/{paid['id']}/refunds/unapply",
                {
                    "type": "External",
                    "totalAmount": 1,
                    "invoices": [{"invoiceId": invoices[0].id.hex, "amount": 1}],
                },
            )
        )
        _ok(_pay(api, tenant, account, 1, [(invoices[0], 1)]))

    grow()
    few = queries()
    for _ in range(4):
        grow()
    assert queries() == few


# --- one ledger with CRUD -------------------------------------------------------------------------------


def test_a_part_is_an_invoice_payment_in_crud_and_back(api, tenant, account, invoices):
    first, second = invoices
    paid = _ok(_pay(api, tenant, account, 80, [(first, 30)]))
    part = _ok(_send(api, tenant, "get", f"payments/{paid['id']}/parts"))["parts"][0]
    crud = api.get(f"/v1/object/invoice-payment/{part['id']}", **_h(tenant)).json()
    assert (crud["InvoiceId"], crud["PaymentId"], crud["Amount"], crud["RefundAmount"]) == (
        first.id.hex,
        paid["id"],
        30,
        0,
    )
    created = api.post(
        "/v1/object/invoice-payment",
        json.dumps({"InvoiceId": second.id.hex, "PaymentId": paid["id"], "Amount": 20}),
        content_type="application/json",
        **_h(tenant),
    )
    assert created.status_code == 200, created.content
    parts = _ok(_send(api, tenant, "get", f"payments/{paid['number']}/parts"))["parts"]
    assert sorted((p["invoiceId"], p["amount"]) for p in parts) == sorted(
        [(first.id.hex, 30), (second.id.hex, 20)]
    )
    shown = _ok(_send(api, tenant, "get", f"payments/{paid['id']}"))
    assert (shown["appliedAmount"], shown["unappliedAmount"]) == (50, 30)
    invoice = api.get(f"/v1/object/invoice/{second.id.hex}", **_h(tenant)).json()
    assert (invoice["Amount"], invoice["PaymentAmount"], invoice["RefundAmount"], invoice["Balance"]) == (
        50,
        20,
        0,
        30,
    )
