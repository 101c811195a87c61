import dataclasses
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
import simplejson
from oauth2_provider.models import AccessToken
from rest_framework.test import APIClient
from zuora_sdk.models import (
    CommonErrorResponse,
    ProxyBadRequestResponse,
    ProxyNoDataResponse,
    ProxyUnauthorizedResponse,
)

from api.zuora import presenters
from api.zuora import urls as zuora_urls
from invoices import services as invoice_services
from ledger.models import LedgerEvent
from payments import services as payment_services
from payments.models import InvoicePayment, Payment
from tests.factories import make_tenant
from tests.golden import assert_golden

pytestmark = pytest.mark.django_db
GOLDEN = Path(__file__).parent / "golden"
D = Decimal
# Zuora's CRUD answer for an object that is not there (the SDK's ProxyNoDataResponse).
NO_DATA = {"done": True, "records": [], "size": 0}
ZUORA_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$")


def _h(tenant, **extra):
    return {"HTTP_AUTHORIZATION": f"Bearer {tenant.token}", **extra}


def _post(api, tenant, path, body, query="", **headers):
    return api.post(
        f"/v1/object/{path}{query}",
        json.dumps(body),
        content_type="application/json",
        **_h(tenant, **headers),
    )


def _get(api, tenant, path, **headers):
    return api.get(f"/v1/object/{path}", **_h(tenant, **headers))


def _ok_id(response) -> str:
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"Success", "Id"} and body["Success"] is True
    assert re.fullmatch(r"[0-9a-f]{32}", body["Id"])
    return body["Id"]


def _errors(response, status=400):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["Success"] is False
    return [(e["Code"], e["Message"]) for e in body["Errors"]]


@pytest.fixture
def ledger(tenant):
    """An account with a posted invoice of 1000 and a processed payment of 800, both in USD."""
    account = tenant.account(name="Acme", email="ap@acme.test")
    invoice = tenant.invoice("1000", account=account, number="INV-1000")
    return account, invoice


def _pay(api, tenant, account, amount="800", **extra):
    """Records a Zuora payment; the amount goes on the wire as a JSON number, as Zuora clients send it."""
    body = {
        "AccountId": account.id.hex,
        "Amount": D(amount),
        "EffectiveDate": "2026-01-20",
        "Type": "External",
        **extra,
    }
    raw = simplejson.dumps(body, use_decimal=True)
    return _ok_id(api.post("/v1/object/payment", raw, content_type="application/json", **_h(tenant)))


# --- accounts ---------------------------------------------------------------------------------------------


def test_account_create_and_get(api, tenant):
    created = _post(
        api,
        tenant,
        "account",
        {"Name": "Globex", "Currency": "EUR", "BillToContact": {"WorkEmail": "ap@globex.test"}},
    )
    account_id = _ok_id(created)
    response = _get(api, tenant, f"account/{account_id}")
    assert response.status_code == 200
    assert_golden(GOLDEN / "account.json", response.json(), {account_id: "account"})


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"Currency": "USD"}, ("MISSING_REQUIRED_VALUE", "Name: This field is required.")),
        (
            {"name": "lowercase is another field", "Currency": "USD"},
            ("MISSING_REQUIRED_VALUE", "Name: This field is required."),
        ),
        (
            {"Name": "A", "Currency": "XYZ"},
            ("INVALID_VALUE", "Currency: XYZ is not a supported ISO 4217 currency"),
        ),
        (
            {"Name": "A", "Currency": "USD", "BillToContact": {"WorkEmail": "nope"}},
            ("INVALID_VALUE", "BillToContact.WorkEmail: Enter a valid email address."),
        ),
    ],
)
def test_account_validation(api, tenant, body, expected):
    assert _errors(_post(api, tenant, "account", body)) == [expected]


# --- invoices and payments --------------------------------------------------------------------------------


def test_invoice_get(api, tenant, ledger):
    account, invoice = ledger
    response = _get(api, tenant, f"invoice/{invoice.id.hex}")
    assert response.status_code == 200
    assert_golden(
        GOLDEN / "invoice.json", response.json(), {str(invoice.id): "invoice", str(account.id): "account"}
    )


def test_invoice_statuses_map_to_zuora(api, tenant, ledger):
    account, _ = ledger
    draft = tenant.invoice("5", account=account, status="draft")
    assert _get(api, tenant, f"invoice/{draft.id.hex}").json()["Status"] == "Draft"
    invoice_services.invoice_void(ctx=tenant.ctx(), invoice_id=draft.id)
    assert _get(api, tenant, f"invoice/{draft.id.hex}").json()["Status"] == "Canceled"


def test_payment_create_and_get(api, tenant, ledger):
    account, _ = ledger
    payment_id = _pay(
        api, tenant, account, "800", ReferenceId="wire-77", Comment="January", PaymentMethodId="pm1"
    )
    response = _get(api, tenant, f"payment/{payment_id}")
    assert_golden(
        GOLDEN / "payment.json", response.json(), {payment_id: "payment", str(account.id): "account"}
    )
    assert response.json()["EffectiveDate"] == "2026-01-20"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"Type": "Electronic"}, ("INVALID_VALUE", 'Type: "Electronic" is not a valid choice.')),
        ({"Amount": 0}, ("INVALID_VALUE", "Amount: must be greater than zero")),
        ({"Amount": -5}, ("INVALID_VALUE", "Amount: must be greater than zero")),
        ({"Amount": "12345678901234567"}, ("INVALID_VALUE", "Amount: must be at most 16 characters")),
        ({"Amount": "ten"}, ("INVALID_VALUE", "Amount: must be a number")),
        ({"Amount": True}, ("INVALID_VALUE", "Amount: must be a number")),
        ({"Amount": "1.0000000001"}, ("INVALID_VALUE", "Amount: must have at most 9 decimal places")),
        ({"EffectiveDate": "20/01/2026"}, ("INVALID_VALUE", None)),
        ({"AccountId": "0" * 32}, ("INVALID_ID", "AccountId: account not found")),
        ({"Status": "Pending"}, ("INVALID_VALUE", 'Status: "Pending" is not a valid choice.')),
    ],
)
def test_payment_validation_changes_nothing(api, tenant, ledger, change, expected):
    account, _ = ledger
    body = {
        "AccountId": account.id.hex,
        "Amount": 10,
        "EffectiveDate": "2026-01-20",
        "Type": "External",
        **change,
    }
    errors = _errors(_post(api, tenant, "payment", body))
    assert errors[0][0] == expected[0]
    if expected[1]:
        assert errors == [expected]
    assert not Payment.objects.for_tenant(tenant.ctx()).exists()


def test_huge_numbers_are_refused(api, tenant, ledger):
    account, _ = ledger
    raw = f'{{"AccountId": "{account.id.hex}", "Amount": 1e400, "EffectiveDate": "2026-01-20", "Type": "External"}}'
    response = api.post("/v1/object/payment", raw, content_type="application/json", **_h(tenant))
    assert _errors(response) == [("INVALID_VALUE", "Amount: must be less than 1000000000000000")]


# --- invoice payments --------------------------------------------------------------------------------------


def test_invoice_payment_create_answers_exactly_as_seed_000(api, tenant, ledger):
    account, invoice = ledger
    payment_id = _pay(api, tenant, account)
    response = _post(
        api, tenant, "invoice-payment", {"Amount": 10, "InvoiceId": invoice.id.hex, "PaymentId": payment_id}
    )
    application_id = _ok_id(response)
    assert response.content == b'{"Success":true,"Id":"%s"}' % application_id.encode()
    got = _get(api, tenant, f"invoice-payment/{application_id}").json()
    assert ZUORA_DATETIME.match(got["CreatedDate"]) and ZUORA_DATETIME.match(got["UpdatedDate"])
    # The API client's 32-hex id (a UUID5 of its actor; see presenters.actor_id), the same on every object.
    client_actor_id = presenters.actor_id(tenant.client.actor)
    assert re.fullmatch(r"[0-9a-f]{32}", got["CreatedById"]) and got["CreatedById"] == client_actor_id
    assert_golden(
        GOLDEN / "invoice_payment.json",
        got,
        {
            application_id: "invoice_payment",
            str(invoice.id): "invoice",
            payment_id: "payment",
            client_actor_id: "client_actor_id",
        },
    )


def test_who_acted_is_a_stable_32_hex_id_of_the_client_or_the_staff_user(api, tenant, ledger):
    account, invoice = ledger
    payment = tenant.payment("100", account=account)
    staff = dataclasses.replace(tenant.ctx(), actor="staff:alice")
    by_staff = [
        payment_services.payment_apply(ctx=staff, invoice_id=invoice.id, payment_id=payment.id, amount=D(n))
        for n in (10, 20)
    ]
    shown = [_get(api, tenant, f"invoice-payment/{row.id.hex}").json() for row in by_staff]
    alice = shown[0]["CreatedById"]
    assert re.fullmatch(r"[0-9a-f]{32}", alice) and "alice" not in json.dumps(shown)
    assert [(s["CreatedById"], s["UpdatedById"]) for s in shown] == [(alice, alice)] * 2
    assert alice != presenters.actor_id(tenant.client.actor) != presenters.actor_id("staff:bob")
    # The client changes one: it is the one who updated it last.
    api.put(f"/v1/object/invoice-payment/{by_staff[0].id.hex}", {"Amount": 15}, format="json", **_h(tenant))
    changed = _get(api, tenant, f"invoice-payment/{by_staff[0].id.hex}").json()
    assert (changed["CreatedById"], changed["UpdatedById"]) == (
        alice,
        presenters.actor_id(tenant.client.actor),
    )


def test_seed_003_arithmetic_through_the_api(api, tenant, ledger):
    account, invoice = ledger
    payment_id = _pay(api, tenant, account, "800")
    application_id = _ok_id(
        _post(
            api,
            tenant,
            "invoice-payment",
            {"Amount": 800, "InvoiceId": invoice.id.hex, "PaymentId": payment_id},
        )
    )
    refund_id = _ok_id(
        _post(
            api,
            tenant,
            "refund",
            {
                "PaymentId": payment_id,
                "Amount": 300,
                "Type": "External",
                "RefundDate": "2026-01-25",
                "Comment": "partial refund",
            },
        )
    )
    got = _get(api, tenant, f"invoice/{invoice.id.hex}").json()
    assert (got["Amount"], got["PaymentAmount"], got["RefundAmount"], got["Balance"]) == (1000, 800, 300, 500)
    assert _get(api, tenant, f"invoice-payment/{application_id}").json()["RefundAmount"] == 300
    payment = _get(api, tenant, f"payment/{payment_id}").json()
    assert (payment["AppliedInvoiceAmount"], payment["UnappliedAmount"], payment["RefundAmount"]) == (
        800,
        0,
        300,
    )
    refund = _get(api, tenant, f"refund/{refund_id}")
    assert_golden(
        GOLDEN / "refund.json",
        refund.json(),
        {
            refund_id: "refund",
            payment_id: "payment",
            str(invoice.id): "invoice",
            str(account.id): "account",
            presenters.actor_id(tenant.client.actor): "client_actor_id",
        },
    )


def test_decimal_amounts_are_exact_on_the_wire(api, tenant, ledger):
    account, invoice = ledger
    payment_id = _pay(api, tenant, account, "100")
    for amount in ("10.1", "20.2"):
        raw = f'{{"Amount": {amount}, "InvoiceId": "{invoice.id.hex}", "PaymentId": "{payment_id}"}}'
        _ok_id(api.post("/v1/object/invoice-payment", raw, content_type="application/json", **_h(tenant)))
    content = _get(api, tenant, f"invoice/{invoice.id.hex}").content
    assert b'"PaymentAmount":30.3,' in content and b'"Balance":969.7,' in content


def test_invoice_payment_update_changes_the_amount(api, tenant, ledger):
    account, invoice = ledger
    payment_id = _pay(api, tenant, account)
    application_id = _ok_id(
        _post(
            api,
            tenant,
            "invoice-payment",
            {"Amount": 100, "InvoiceId": invoice.id.hex, "PaymentId": payment_id},
        )
    )
    response = api.put(
        f"/v1/object/invoice-payment/{application_id}", {"Amount": 250}, format="json", **_h(tenant)
    )
    assert _ok_id(response) == application_id
    assert _get(api, tenant, f"invoice/{invoice.id.hex}").json()["Balance"] == 750
    assert LedgerEvent.objects.for_tenant(tenant.ctx()).filter(kind="amount_changed").count() == 1


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (0, "Amount: must be greater than zero"),
        (-1, "Amount: must be greater than zero"),
        ("801", "Amount: the amount exceeds the payment's unallocated 800"),
        (1000.0000000001, "Amount: must have at most 9 decimal places"),
        ("12345678901234567", "Amount: must be at most 16 characters"),
    ],
)
def test_invoice_payment_amount_rules(api, tenant, ledger, amount, expected):
    account, invoice = ledger
    payment_id = _pay(api, tenant, account)
    body = {"Amount": amount, "InvoiceId": invoice.id.hex, "PaymentId": payment_id}
    response = _post(api, tenant, "invoice-payment", body)
    assert _errors(response) == [("INVALID_VALUE", expected)]
    assert not InvoicePayment.objects.for_tenant(tenant.ctx()).exists()


def test_over_the_invoice_balance_is_refused_and_stays_unapplied(api, tenant, ledger):
    account, invoice = ledger
    payment_id = _pay(api, tenant, account, "1500")
    body = {"Amount": 1200, "InvoiceId": invoice.id.hex, "PaymentId": payment_id}
    assert _errors(_post(api, tenant, "invoice-payment", body)) == [
        ("INVALID_VALUE", "Amount: the amount exceeds the invoice balance 1000")
    ]
    _ok_id(_post(api, tenant, "invoice-payment", body | {"Amount": 1000}))
    assert _get(api, tenant, f"payment/{payment_id}").json()["UnappliedAmount"] == 500


def test_the_invoice_must_be_posted_and_the_currency_the_same(api, tenant, ledger):
    account, _ = ledger
    draft = tenant.invoice("50", account=account, status="draft")
    payment_id = _pay(api, tenant, account, "100")
    errors = _errors(
        _post(
            api, tenant, "invoice-payment", {"Amount": 5, "InvoiceId": draft.id.hex, "PaymentId": payment_id}
        )
    )
    assert errors == [("INVALID_VALUE", "InvoiceId: the invoice is draft; only open invoices take payments")]
    euro = tenant.invoice("50", currency="EUR")
    errors = _errors(
        _post(
            api, tenant, "invoice-payment", {"Amount": 5, "InvoiceId": euro.id.hex, "PaymentId": payment_id}
        )
    )
    assert errors == [("INVALID_VALUE", "Currency: the payment is in USD, the invoice in EUR")]


def test_draft_payments_cannot_be_applied(api, tenant, ledger):
    account, invoice = ledger
    payment_id = _pay(api, tenant, account, "100", Status="Draft")
    assert _get(api, tenant, f"payment/{payment_id}").json()["Status"] == "Draft"
    errors = _errors(
        _post(
            api,
            tenant,
            "invoice-payment",
            {"Amount": 5, "InvoiceId": invoice.id.hex, "PaymentId": payment_id},
        )
    )
    assert errors == [("INVALID_VALUE", "PaymentId: the payment is draft, not processed")]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"InvoiceId": "x", "PaymentId": "y"},
            [("MISSING_REQUIRED_VALUE", "Amount: This field is required.")],
        ),
        (
            {"Amount": 5, "InvoiceId": "0" * 32, "PaymentId": "{payment}"},
            [("INVALID_ID", "InvoiceId: invoice not found")],
        ),
        (
            {"Amount": 5, "InvoiceId": "{invoice}", "PaymentId": "not-an-id"},
            [("INVALID_ID", "PaymentId: payment not found")],
        ),
        (
            {"amount": 5, "invoiceId": "{invoice}", "paymentId": "{payment}"},
            [
                ("MISSING_REQUIRED_VALUE", f"{f}: This field is required.")
                for f in ("Amount", "InvoiceId", "PaymentId")
            ],
        ),
    ],
)
def test_invoice_payment_missing_and_unknown_ids(api, tenant, ledger, body, expected):
    account, invoice = ledger
    payment_id = _pay(api, tenant, account, "100")
    body = {
        k: v.format(invoice=invoice.id.hex, payment=payment_id) if isinstance(v, str) else v
        for k, v in body.items()
    }
    assert _errors(_post(api, tenant, "invoice-payment", body)) == expected


# --- refunds ------------------------------------------------------------------------------------------------


def test_refund_with_invoice_payment_data_across_two_invoices(api, tenant, ledger):
    account, invoice = ledger
    other = tenant.invoice("200", account=account)
    payment_id = _pay(api, tenant, account, "800")
    for inv, amount in ((invoice, 600), (other, 200)):
        _ok_id(
            _post(
                api,
                tenant,
                "invoice-payment",
                {"Amount": amount, "InvoiceId": inv.id.hex, "PaymentId": payment_id},
            )
        )
    without = _errors(
        _post(api, tenant, "refund", {"PaymentId": payment_id, "Amount": 50, "Type": "External"})
    )
    assert without[0][1].startswith("RefundInvoicePaymentData: name the invoices")
    data = {
        "RefundInvoicePayment": [
            {"InvoiceId": invoice.id.hex, "RefundAmount": 30},
            {"InvoiceId": other.id.hex, "RefundAmount": 20},
        ]
    }
    _ok_id(
        _post(
            api,
            tenant,
            "refund",
            {"PaymentId": payment_id, "Amount": 50, "Type": "External", "RefundInvoicePaymentData": data},
        )
    )
    assert _get(api, tenant, f"invoice/{invoice.id.hex}").json()["Balance"] == 430
    assert _get(api, tenant, f"invoice/{other.id.hex}").json()["Status"] == "Posted"
    assert _get(api, tenant, f"payment/{payment_id}").json()["RefundAmount"] == 50


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"Amount": 10, "Type": "Electronic"}, 'Type: "Electronic" is not a valid choice.'),
        (
            {"Amount": 900, "Type": "External"},
            "RefundAmount: the refund exceeds what this payment applied to invoice INV-1000",
        ),
        (
            {"Amount": 10, "Type": "External", "RefundInvoicePaymentData": {"RefundInvoicePayment": []}},
            "RefundInvoicePaymentData.RefundInvoicePayment: This list may not be empty.",
        ),
        (
            {
                "Amount": 10,
                "Type": "External",
                "RefundInvoicePaymentData": {
                    "RefundInvoicePayment": [{"InvoiceId": "{invoice}", "RefundAmount": 5}]
                },
            },
            "Amount: the refund amount must equal the sum of its invoice parts",
        ),
    ],
)
def test_refund_errors_change_nothing(api, tenant, ledger, body, expected):
    account, invoice = ledger
    payment_id = _pay(api, tenant, account, "800")
    _ok_id(
        _post(
            api,
            tenant,
            "invoice-payment",
            {"Amount": 800, "InvoiceId": invoice.id.hex, "PaymentId": payment_id},
        )
    )
    body = json.loads(json.dumps(body).replace("{invoice}", invoice.id.hex))
    errors = _errors(_post(api, tenant, "refund", {"PaymentId": payment_id, **body}))
    assert errors[0][1] == expected
    assert _get(api, tenant, f"invoice/{invoice.id.hex}").json()["RefundAmount"] == 0


# --- Zuora behaviours ----------------------------------------------------------------------------------------


def test_reject_unknown_fields_both_ways(api, tenant, ledger):
    account, invoice = ledger
    payment_id = _pay(api, tenant, account)
    body = {"Amount": 5, "InvoiceId": invoice.id.hex, "PaymentId": payment_id, "Colour": "blue"}
    rejected = _post(api, tenant, "invoice-payment", body, query="?rejectUnknownFields=true")
    assert rejected.status_code == 400
    assert rejected.json() == {"message": "Error - unrecognised fields"}
    assert not InvoicePayment.objects.for_tenant(tenant.ctx()).exists()
    _ok_id(_post(api, tenant, "invoice-payment", body))
    _ok_id(_post(api, tenant, "invoice-payment", body, query="?rejectUnknownFields=false"))


def test_reject_unknown_fields_looks_into_nested_objects(api, tenant):
    body = {"Name": "A", "Currency": "USD", "BillToContact": {"WorkEmail": "a@b.co", "Fax": "1"}}
    rejected = _post(api, tenant, "account", body, query="?rejectUnknownFields=true")
    assert rejected.json() == {"message": "Error - unrecognised fields"}


def test_track_id_is_echoed_even_on_errors(api, tenant):
    ok = _get(api, tenant, f"account/{tenant.account().id.hex}", HTTP_ZUORA_TRACK_ID="batch-42/run 7")
    assert ok["Zuora-Track-Id"] == "batch-42/run 7"
    unauthorized = api.get("/v1/object/account/x", HTTP_ZUORA_TRACK_ID="t-1")
    assert unauthorized.status_code == 401 and unauthorized["Zuora-Track-Id"] == "t-1"


def _token_form(tenant, secret=None):
    return {
        "grant_type": "client_credentials",
        "client_id": tenant.client.client_id,
        "client_secret": secret or tenant.provisioned.client_secret,
    }


# One request of each kind a Zuora client may get back, sent with `extra` headers (Django's META names).
ANSWERS = {
    "200": lambda api, tenant, extra: _get(api, tenant, f"account/{tenant.account().id.hex}", **extra),
    "401": lambda api, tenant, extra: api.get("/v1/object/x", HTTP_AUTHORIZATION="Bearer nope", **extra),
    "404": lambda api, tenant, extra: _get(api, tenant, "account/" + "0" * 32, **extra),
    "bad track id": lambda api, tenant, extra: _get(
        api, tenant, "account/x", **{**extra, "HTTP_ZUORA_TRACK_ID": "a;b"}
    ),
    "413": lambda api, tenant, extra: api.post(
        "/v1/object/account", "x", content_type="application/json", CONTENT_LENGTH=str(2**21), **extra
    ),
    "token": lambda api, tenant, extra: api.post("/oauth/token", _token_form(tenant), **extra),
    "token 401": lambda api, tenant, extra: api.post("/oauth/token", _token_form(tenant, "wrong"), **extra),
    "token 400": lambda api, tenant, extra: api.post(
        "/oauth/token", {**_token_form(tenant), "grant_type": "x"}, **extra
    ),
}


@pytest.mark.parametrize("answer", ANSWERS)
def test_every_answer_carries_its_request_id_as_zuora_request_id(api, tenant, answer):
    response = ANSWERS[answer](api, tenant, {})
    assert response["Zuora-Request-Id"] == response["x-request-id"]


@pytest.mark.parametrize("answer", ANSWERS)
def test_a_sent_request_id_and_track_id_come_back_on_every_answer(api, tenant, answer):
    sent = "3f0d8a62-5be4-4b7e-9d3a-2f6c1e0b9a47"
    extra = {"HTTP_X_REQUEST_ID": sent, "HTTP_ZUORA_TRACK_ID": "batch-42"}
    response = ANSWERS[answer](api, tenant, extra)
    assert response["Zuora-Request-Id"] == response["x-request-id"] == sent
    # An invalid track id is refused (400), not echoed.
    assert response.get("Zuora-Track-Id") == (None if answer == "bad track id" else "batch-42")


@pytest.mark.parametrize("track_id", ["a:b", "a;b", 'a"b', "a'b", "x" * 65, "caf\u00e9"])
def test_invalid_track_id_is_400_before_any_work(api, tenant, ledger, track_id):
    account, _ = ledger
    response = api.post(
        "/v1/object/account",
        {"Name": "A", "Currency": "USD"},
        format="json",
        **_h(tenant, HTTP_ZUORA_TRACK_ID=track_id),
    )
    assert response.status_code == 400
    assert response.json()["Errors"][0]["Code"] == "INVALID_VALUE"
    assert [a.name for a in type(account).objects.for_tenant(tenant.ctx())] == ["Acme"]


def test_401_body_is_zuoras(api):
    response = api.get("/v1/object/invoice/abc", HTTP_AUTHORIZATION="Bearer nope")
    assert response.status_code == 401
    assert response.json() == {"message": "Authentication error"}


@pytest.mark.parametrize(
    "path", ["invoice/{}", "payment/{}", "invoice-payment/{}", "refund/{}", "account/{}"]
)
@pytest.mark.parametrize("object_id", ["0" * 32, "not-an-id"])
def test_unknown_ids_are_404_with_no_data(api, tenant, path, object_id):
    response = _get(api, tenant, path.format(object_id))
    assert response.status_code == 404
    assert response.json() == NO_DATA
    no_data = ProxyNoDataResponse.from_json(response.content)
    assert (no_data.done, no_data.records, no_data.size) == (True, [], 0)


def test_updating_a_missing_invoice_payment_is_404_with_no_data(api, tenant):
    response = api.put("/v1/object/invoice-payment/" + "0" * 32, {"Amount": 5}, format="json", **_h(tenant))
    assert (response.status_code, response.json()) == (404, NO_DATA)


def _json_envelope(response, status: int) -> dict:
    """Zuora's JSON, never Django's HTML page, with the request's id."""
    assert response.status_code == status, response.content[:200]
    assert response["Content-Type"] == "application/json", response.content[:200]
    assert response["Zuora-Request-Id"] == response["x-request-id"]
    body = response.json()
    assert body["Success"] is False and body["Errors"][0]["Code"]
    return body


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/v1/object/subscription/123"),
        ("get", "/v1/object/account/a/b"),
        ("post", "/v1/object/invoice"),
        ("delete", "/v1/nothing-here"),
        ("get", "/oauth/nothing-here"),
        ("post", "/oauth/token/"),
    ],
)
def test_an_unknown_path_is_a_404_in_zuoras_json_whatever_debug_says(settings, tenant, method, path, debug):
    settings.DEBUG = debug
    api = APIClient(enforce_csrf_checks=True)  # as real clients are: a POST without a CSRF cookie
    response = getattr(api, method)(path, **_h(tenant))
    _json_envelope(response, 404)


def test_the_catch_all_stays_below_every_route():
    """A route added after it would never be reached."""
    names = [getattr(p, "name", None) for p in zuora_urls.urlpatterns]
    assert names.index("zuora-not-found") == len(names) - 1


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("get", "/oauth/token", "POST"),
        ("put", "/oauth/token", "POST"),
        ("delete", "/v1/object/account/{account}", "GET"),
        ("put", "/v1/object/payment", "POST"),
    ],
)
def test_a_method_a_route_lacks_is_a_405_in_zuoras_json(settings, api, tenant, method, path, allowed, debug):
    settings.DEBUG = debug
    path = path.format(account=tenant.account().id.hex)
    response = getattr(api, method)(path, **_h(tenant))
    _json_envelope(response, 405)
    assert allowed in response["Allow"]


def test_malformed_json_and_non_object_bodies_are_400(api, tenant):
    broken = api.post("/v1/object/account", "{oops", content_type="application/json", **_h(tenant))
    assert _errors(broken)[0][0] == "INVALID_VALUE"
    array = api.post("/v1/object/account", "[1]", content_type="application/json", **_h(tenant))
    assert _errors(array) == [("INVALID_VALUE", "the request body must be a JSON object")]


# --- entities and tenants ---------------------------------------------------------------------------------------


def test_a_multi_entity_token_must_name_its_entity(api, db):
    tenant = make_tenant(entities=2)
    first, second = tenant.entity_ids
    account = tenant.account(entity_id=second)
    unnamed = _get(api, tenant, f"account/{account.id.hex}")
    assert unnamed.status_code == 400
    assert "Zuora-Entity-Ids" in unnamed.json()["Errors"][0]["Message"]
    assert _get(api, tenant, f"account/{account.id.hex}", HTTP_ZUORA_ENTITY_IDS=second.hex).status_code == 200
    # Objects outside the selected entity do not exist for the request.
    assert _get(api, tenant, f"account/{account.id.hex}", HTTP_ZUORA_ENTITY_IDS=first.hex).status_code == 404
    created = _post(api, tenant, "account", {"Name": "B", "Currency": "USD"}, HTTP_ZUORA_ENTITY_IDS=first.hex)
    assert _get(api, tenant, f"account/{_ok_id(created)}", HTTP_ZUORA_ENTITY_IDS=first.hex).status_code == 200


def test_an_entity_of_another_business_is_403(api, tenant, other_tenant):
    response = _get(api, tenant, "account/x", HTTP_ZUORA_ENTITY_IDS=other_tenant.entity_ids[0].hex)
    assert response.status_code == 403
    assert response.json() == {"code": 50000010, "message": "this credential is not granted that entity"}


def test_a_missing_scope_is_403_as_the_sdks_common_error_response(api, tenant):
    AccessToken.objects.filter(application=tenant.client).update(scope="invoices.read")
    response = _post(api, tenant, "account", {"Name": "A", "Currency": "USD"})
    assert response.status_code == 403
    error = CommonErrorResponse.from_json(response.content)
    assert error.code == 50000010 and "invoices.write" in error.message


def test_a_400_is_the_sdks_proxy_bad_request_response(api, tenant):
    response = _post(api, tenant, "account", {"Currency": "USD"})
    assert response.status_code == 400
    error = ProxyBadRequestResponse.from_json(response.content)
    assert error.success is False
    assert [(e.code, e.message) for e in error.errors] == [
        ("MISSING_REQUIRED_VALUE", "Name: This field is required.")
    ]


def test_a_401_is_the_sdks_proxy_unauthorized_response_on_the_api_and_the_token_endpoint(api, tenant):
    refused = api.get("/v1/object/account/x", HTTP_AUTHORIZATION="Bearer nope")
    token = api.post("/oauth/token", _token_form(tenant, "wrong"))
    for response in (refused, token):
        assert response.status_code == 401
        assert ProxyUnauthorizedResponse.from_json(response.content).message == "Authentication error"
    assert token.json()["error"] == "invalid_client"  # RFC 6749's member stays
