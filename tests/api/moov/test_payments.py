from decimal import Decimal

import pytest
from django.utils import timezone

from invoices import services as invoice_services
from invoices.models import Invoice, PaymentLink
from payments import services
from payments.models import InvoicePayment, Payment, Receipt
from tests.api.moov.helpers import golden, invoices_path

pytestmark = pytest.mark.django_db
D = Decimal
SEED = {
    "amount": {"currency": "USD", "valueDecimal": "500.00"},
    "description": "Payment via external system",
    "foreignID": "EXT-PAY-12345",
    "paymentDate": "2026-01-20T14:45:00Z",
}
ONE = {"currency": "USD", "valueDecimal": "1.00"}


def _sent(tenant, account, amount="1000.00", **kwargs) -> Invoice:
    invoice = tenant.invoice(amount, account=account, status="draft", **kwargs)
    invoice, _ = invoice_services.invoice_send(ctx=tenant.ctx(), invoice_id=invoice.id)
    return invoice


def _pay(moov, account, invoice_id, body):
    return moov.post(invoices_path(account, invoice_id, "/payments"), body, format="json")


def test_an_external_payment_answers_exactly_as_seed_004(moov, tenant, account):
    invoice = _sent(tenant, account)
    response = _pay(moov, account, invoice.id, SEED)
    assert response.status_code == 200, response.content
    body = response.json()
    application = InvoicePayment.objects.for_tenant(tenant.ctx()).get()
    assert body == {
        "amount": {"currency": "USD", "valueDecimal": "500.00"},
        "external": {
            "description": "Payment via external system",
            "foreignID": "EXT-PAY-12345",
            "paymentDate": "2026-01-20T14:45:00Z",
        },
        "invoicePaymentID": str(application.id),
        "invoicePaymentType": "external",
    }
    golden("payment_create", body, {application.id: "invoice-payment"})
    payment = application.payment
    assert (payment.for_invoice_id, payment.amount, payment.foreign_id) == (
        invoice.id,
        D("500"),
        "EXT-PAY-12345",
    )
    assert payment.occurred_at.isoformat() == "2026-01-20T14:45:00+00:00"
    invoice.refresh_from_db()
    assert (invoice.status, invoice.balance) == ("partially_paid", D("500"))


def test_nine_decimal_places_round_trip(moov, tenant, account):
    invoice = _sent(tenant, account)
    body = _pay(moov, account, invoice.id, {"amount": {"currency": "USD", "valueDecimal": "12.987654321"}})
    assert body.json()["amount"]["valueDecimal"] == "12.987654321"
    invoice.refresh_from_db()
    assert invoice.payment_amount == D("12.987654321")


def test_optional_fields_default(moov, tenant, account):
    invoice = _sent(tenant, account)
    before = timezone.now()
    body = _pay(moov, account, invoice.id, {"amount": {"currency": "USD", "valueDecimal": "1.00"}}).json()
    assert set(body["external"]) == {"paymentDate"}
    assert Payment.objects.for_tenant(tenant.ctx()).get().occurred_at >= before


def test_paying_in_full_marks_it_paid_cancels_the_link_and_sends_a_receipt(
    moov, tenant, account, smtp, django_capture_on_commit_callbacks
):
    invoice = _sent(tenant, account, "80.00", number="INV-80")
    with django_capture_on_commit_callbacks(execute=True):
        response = _pay(
            moov, account, invoice.id, {**SEED, "amount": {"currency": "USD", "valueDecimal": "80"}}
        )
    assert response.status_code == 200, response.content
    fetched = moov.get(invoices_path(account, invoice.id)).json()
    assert fetched["status"] == "paid" and "paidOn" in fetched
    assert fetched["paidAmount"]["valueDecimal"] == "80.00"
    assert fetched["pendingAmount"]["valueDecimal"] == "0.00"
    assert fetched["invoicePayments"] == [response.json()]
    assert PaymentLink.objects.for_tenant(tenant.ctx()).get().status == "canceled"
    [receipt] = smtp.messages
    assert receipt["To"] == "ap@acme.test"
    assert receipt["Subject"] == "Receipt: 80.00 USD paid on invoice INV-80"
    text = receipt.get_body(("plain",)).get_content()
    assert "Acme Ltd" in text and "80.00 USD" in text and "Remaining balance: 0.00 USD" in text
    assert Receipt.objects.for_tenant(tenant.ctx()).get().status == "sent"


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        # CreateInvoicePaymentError's amount is an object: a message for all of it stands on its first field.
        ({}, {"amount": {"currency": "is required"}}),
        ({"amount": None}, {"amount": {"currency": "must not be null"}}),
        ({"amount": 500}, {"amount": {"currency": "must be an object with currency and valueDecimal"}}),
        ({"amount": {"currency": "USD"}}, {"amount": {"valueDecimal": "is required"}}),
        ({"amount": {"currency": "US", "valueDecimal": "1"}}, {"amount": {"currency": "must be a 3-letter ISO 4217 currency code"}}),
        ({"amount": {"currency": "ZZZ", "valueDecimal": "1"}}, {"amount": {"currency": "ZZZ is not a supported ISO 4217 currency"}}),
        ({"amount": {"currency": "EUR", "valueDecimal": "1"}}, {"amount": {"currency": "the account bills in USD"}}),
        ({"amount": {"currency": "USD", "valueDecimal": "0"}}, {"amount": {"valueDecimal": "must be greater than zero"}}),
        ({"amount": {"currency": "USD", "valueDecimal": "-1.00"}}, {"amount": {"valueDecimal": "must be greater than zero"}}),
        ({"amount": {"currency": "USD", "valueDecimal": "0.0000000001"}}, {"amount": {"valueDecimal": "must have at most 9 decimal places"}}),
        ({"amount": {"currency": "USD", "valueDecimal": "100.01"}}, {"amount": {"valueDecimal": "the amount exceeds the invoice balance 100"}}),
        ({"amount": {"currency": "USD", "valueDecimal": "9" * 30}}, {"amount": {"valueDecimal": "must be less than 1000000000000000"}}),
        ({"amount": {"currency": "USD", "valueDecimal": "9" * 50}}, {"amount": {"valueDecimal": 'must be a decimal string such as "12.34"'}}),
        ({"amount": {"currency": "USD", "valueDecimal": "1,00"}}, {"amount": {"valueDecimal": 'must be a decimal string such as "12.34"'}}),
        ({"amount": {"currency": "USD", "valueDecimal": "Infinity"}}, {"amount": {"valueDecimal": 'must be a decimal string such as "12.34"'}}),
        ({"amount": {"currency": "USD", "valueDecimal": True}}, {"amount": {"valueDecimal": 'must be a decimal string such as "12.34"'}}),
        ({"amount": ONE, "foreignID": "x" * 129}, {"foreignID": "must be at most 128 characters"}),
        ({"amount": ONE, "foreignID": 12345}, {"foreignID": "must be a string"}),
        ({"amount": ONE, "description": {"text": "a"}}, {"description": "must be a string"}),
        ({"amount": ONE, "paymentDate": "2026-01-20"}, {"paymentDate": "must be an RFC 3339 date-time such as 2026-01-20T14:45:00Z"}),
        ({"amount": ONE, "paymentDate": "2026-13-20T14:45:00Z"}, {"paymentDate": "must be an RFC 3339 date-time such as 2026-01-20T14:45:00Z"}),
        ({"amount": ONE, "paymentDate": "2026-01-20T25:45:00Z"}, {"paymentDate": "must be an RFC 3339 date-time such as 2026-01-20T14:45:00Z"}),
        ({"amount": ONE, "paymentDate": "0001-01-01T00:00:00+01:00"}, {"paymentDate": "must be an RFC 3339 date-time such as 2026-01-20T14:45:00Z"}),
        ({"amount": ONE, "paymentDate": 1768920300}, {"paymentDate": "must be an RFC 3339 date-time such as 2026-01-20T14:45:00Z"}),
        (
            {"amount": {"currency": "USD", "valueDecimal": "1.1234567891"}, "foreignID": "x" * 129},
            {"amount": {"valueDecimal": "must have at most 9 decimal places"}, "foreignID": "must be at most 128 characters"},
        ),
    ],
)  # fmt: skip
def test_bad_input_is_a_422_in_the_request_shape_and_changes_nothing(moov, tenant, account, body, errors):
    invoice = _sent(tenant, account, "100.00")
    response = _pay(moov, account, invoice.id, body)
    assert response.status_code == 422, response.content
    assert response.json() == errors
    assert not Payment.objects.for_tenant(tenant.ctx()).exists()
    invoice.refresh_from_db()
    assert (invoice.status, invoice.payment_amount) == ("open", 0)


def test_no_overpayment_of_a_partly_paid_invoice(moov, tenant, account):
    invoice = _sent(tenant, account, "100.00")
    assert (
        _pay(moov, account, invoice.id, {"amount": {"currency": "USD", "valueDecimal": "60"}}).status_code
        == 200
    )
    response = _pay(
        moov, account, invoice.id, {"amount": {"currency": "USD", "valueDecimal": "40.000000001"}}
    )
    assert response.json() == {"amount": {"valueDecimal": "the amount exceeds the invoice balance 40"}}
    assert (
        _pay(moov, account, invoice.id, {"amount": {"currency": "USD", "valueDecimal": "40"}}).status_code
        == 200
    )


@pytest.mark.parametrize("state", ["draft", "canceled", "paid"])
def test_an_invoice_that_takes_no_payment_is_a_409(moov, tenant, account, state):
    invoice = tenant.invoice("10.00", account=account, status="draft" if state == "draft" else "open")
    if state == "canceled":
        invoice_services.invoice_void(ctx=tenant.ctx(), invoice_id=invoice.id)
    if state == "paid":
        services.payment_record_for_invoice(
            ctx=tenant.ctx(), invoice_id=invoice.id, amount=D("10"), currency="USD"
        )
    payments_before = Payment.objects.for_tenant(tenant.ctx()).count()
    response = _pay(moov, account, invoice.id, {"amount": {"currency": "USD", "valueDecimal": "1"}})
    assert response.status_code == 409
    assert response.json()["error"].startswith("the invoice is ")
    assert Payment.objects.for_tenant(tenant.ctx()).count() == payments_before


def test_malformed_json_is_a_400(moov, tenant, account):
    invoice = _sent(tenant, account)
    response = moov.post(
        invoices_path(account, invoice.id, "/payments"), "{", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"].startswith("malformed JSON")


def test_payments_from_every_dialect_are_listed(moov, tenant, account):
    """An external payment through Moov, a bank transaction through DayZero and a Zuora payment."""
    invoice = _sent(tenant, account, "100.00")
    external = _pay(
        moov, account, invoice.id, SEED | {"amount": {"currency": "USD", "valueDecimal": "10"}}
    ).json()
    bank = tenant.payment("25.50", account=account)
    services.payment_apply(ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=bank.id, amount=D("25.50"))
    zuora = tenant.payment("64.5", account=account)
    services.payment_apply(ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=zuora.id, amount=D("4.5"))
    response = moov.get(invoices_path(account, invoice.id, "/payments"))
    assert response.status_code == 200
    body = response.json()
    applications = list(InvoicePayment.objects.for_tenant(tenant.ctx()).order_by("created_at"))
    names = {a.id: f"invoice-payment-{i}" for i, a in enumerate(applications, 1)}
    golden("payment_list", body, {**names, bank.id: "bank-transaction", zuora.id: "zuora-payment"})
    assert body[0] == external
    assert body[1] == {
        "invoicePaymentID": str(applications[1].id),
        "invoicePaymentType": "transfer",
        "amount": {"currency": "USD", "valueDecimal": "25.50"},
        "transfer": {"transferID": str(bank.id)},
    }
    assert body[2]["transfer"] == {"transferID": str(zuora.id)}
    assert body[2]["amount"]["valueDecimal"] == "4.50"
    invoice_json = moov.get(invoices_path(account, invoice.id)).json()
    assert invoice_json["invoicePayments"] == body
    assert invoice_json["paidAmount"]["valueDecimal"] == "40.00"
    assert invoice_json["totalAmount"]["valueDecimal"] == "100.00"
    assert invoice_json["pendingAmount"]["valueDecimal"] == "0.00"  # nothing in flight


def test_a_refund_shows_in_the_invoice_amounts(moov, tenant, account):
    invoice = _sent(tenant, account, "100.00")
    payment = tenant.payment("100", account=account)
    services.payment_apply(ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=payment.id, amount=D("100"))
    services.refund_create(ctx=tenant.ctx(), payment_id=payment.id, amount=D("30"))
    body = moov.get(invoices_path(account, invoice.id)).json()
    assert body["status"] == "unpaid"
    assert [body[k]["valueDecimal"] for k in ("paidAmount", "refundedAmount", "pendingAmount")] == [
        "100.00",
        "30.00",
        "0.00",
    ]


def test_an_invoice_without_payments_lists_none(moov, tenant, account):
    invoice = _sent(tenant, account)
    assert moov.get(invoices_path(account, invoice.id, "/payments")).json() == []
