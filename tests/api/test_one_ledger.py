"""One ledger, three dialects: money recorded through any dialect shows with the same numbers in the others."""

import json
import uuid

import pytest

from invoices.models import Invoice
from payments.models import InvoicePayment, Payment
from tests.api.moov.helpers import invoice_body
from tests.factories import make_tenant

pytestmark = pytest.mark.django_db


class Clients:
    def __init__(self, api, tenant):
        self.api, self.tenant = api, tenant
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {tenant.token}"}

    def dayzero(self, method, path, body=None):
        call = getattr(self.api, method)
        kwargs = {"HTTP_X_BUSINESS_ID": str(self.tenant.business_id), **self.auth}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        response = call(f"/api/v1/{path}", **kwargs)
        assert response.status_code < 300, response.content
        return response.json() if response.content else None

    def zuora(self, method, path, body=None):
        call = getattr(self.api, method)
        kwargs = dict(self.auth)
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        response = call(f"/v1/object/{path}", **kwargs)
        assert response.status_code == 200, response.content
        return response.json()

    def moov(self, method, path, body=None):
        call = getattr(self.api, method)
        kwargs = dict(self.auth)
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        response = call(f"/accounts/{path}", **kwargs)
        assert response.status_code < 300, response.content
        return response.json()


def test_money_recorded_in_any_dialect_shows_the_same_in_the_others(api):
    c = Clients(api, make_tenant())
    account = c.dayzero("post", "accounts", {"name": "Acme", "email": "ap@acme.test", "currency": "USD"})
    invoice = c.dayzero(
        "post", "invoices", {"account_id": account["id"], "currency": "USD", "amount": 100000}
    )
    hex_invoice, hex_account = invoice["id"].replace("-", ""), account["id"].replace("-", "")

    # Zuora: a payment of 800, applied in full, then 300 of it refunded (seed 003's example).
    payment_id = c.zuora(
        "post",
        "payment",
        {"AccountId": hex_account, "Amount": 800, "EffectiveDate": "2026-01-20", "Type": "External"},
    )["Id"]
    c.zuora("post", "invoice-payment", {"Amount": 800, "InvoiceId": hex_invoice, "PaymentId": payment_id})
    c.zuora("post", "refund", {"PaymentId": payment_id, "Amount": 300, "Type": "External"})

    dz = c.dayzero("get", f"invoices/{invoice['id']}")
    assert (dz["paid_amount"], dz["refunded_amount"], dz["balance"], dz["status"]) == (
        80000,
        30000,
        50000,
        "partially_paid",
    )
    merchant = account["entity_id"]  # Moov's account in the path: the merchant that issued the invoice
    moov = c.moov("get", f"{merchant}/invoices/{invoice['id']}")
    assert (moov["totalAmount"], moov["paidAmount"], moov["refundedAmount"]) == (
        {"currency": "USD", "valueDecimal": "1000.00"},
        {"currency": "USD", "valueDecimal": "800.00"},
        {"currency": "USD", "valueDecimal": "300.00"},
    )
    assert moov["status"] == "unpaid"

    # DayZero: a bank transaction of 200.00 allocated to the same invoice.
    transaction = c.dayzero(
        "post", "transactions", {"amount": 20000, "currency": "USD", "datetime": "2026-01-21T09:00:00Z"}
    )
    c.dayzero(
        "post", f"invoices/{invoice['id']}/payments", {"transaction_id": transaction["id"], "amount": 20000}
    )
    zuora = c.zuora("get", f"invoice/{hex_invoice}")
    assert (zuora["PaymentAmount"], zuora["RefundAmount"], zuora["Balance"], zuora["Status"]) == (
        1000,
        300,
        300,
        "Posted",
    )

    # Moov: the remaining 300.00 paid outside the platform.
    c.moov(
        "post",
        f"{merchant}/invoices/{invoice['id']}/payments",
        {"amount": {"currency": "USD", "valueDecimal": "300.00"}, "foreignID": "wire-9"},
    )
    assert c.zuora("get", f"invoice/{hex_invoice}")["Balance"] == 0
    assert c.dayzero("get", f"invoices/{invoice['id']}")["status"] == "manual_paid"
    listed = c.moov("get", f"{merchant}/invoices/{invoice['id']}/payments")
    assert [(p["invoicePaymentType"], p["amount"]["valueDecimal"]) for p in listed] == [
        ("transfer", "800.00"),
        ("transfer", "200.00"),
        ("external", "300.00"),
    ]
    assert listed[0]["transfer"] == {"transferID": str(uuid.UUID(payment_id))}
    dz_payments = c.dayzero("get", f"invoices/{invoice['id']}/payments")["items"]
    assert [p["amount"] for p in dz_payments] == [80000, 20000, 30000]
    assert dz_payments[1]["transaction"]["id"] == transaction["id"]


def test_a_remainder_no_dialect_unit_can_pay_settles_the_invoice_in_every_dialect(api):
    """An invoice of 10.005 USD paid 1000 cents owes 0.005 USD: no currency unit can pay it, so it is paid
    in every dialect (core.money); each shows the balance as exactly as it writes amounts."""
    tenant = make_tenant()
    c = Clients(api, tenant)
    account = tenant.account()
    invoice = c.moov("post", f"{account.entity_id}/invoices", invoice_body(account, "10.005"))
    c.moov("patch", f"{account.entity_id}/invoices/{invoice['invoiceID']}", {"status": "unpaid"})
    transaction = c.dayzero(
        "post",
        "transactions",
        {"amount": 1000, "currency": "USD", "datetime": "2026-01-20T14:45:00Z"},
    )
    c.dayzero(
        "post",
        f"invoices/{invoice['invoiceID']}/payments",
        {"transaction_id": transaction["id"], "amount": 1000},
    )
    dayzero = c.dayzero("get", f"invoices/{invoice['invoiceID']}")
    zuora = c.zuora("get", f"invoice/{invoice['invoiceID'].replace('-', '')}")
    moov = c.moov("get", f"{account.entity_id}/invoices/{invoice['invoiceID']}")
    assert (dayzero["status"], dayzero["balance"]) == ("manual_paid", 0)
    assert (zuora["Status"], zuora["Balance"]) == ("Posted", 0.005)
    assert (moov["status"], moov["pendingAmount"]["valueDecimal"]) == ("paid", "0.00")
    assert "paidOn" in moov


@pytest.mark.parametrize(
    "digits",
    ["\u0661\u0660", "\uff11\uff10", "\u0967\u0966"],
    ids=["arabic-indic", "fullwidth", "devanagari"],
)
def test_amounts_are_read_in_ascii_digits_only_in_every_dialect(api, digits):
    """str.isdigit(), int() and Decimal() read other scripts' digits as numbers; an amount never does."""
    tenant = make_tenant()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {tenant.token}"}
    account, invoice, payment = tenant.account(), tenant.invoice("100"), tenant.payment("100")

    def post(path, body, **headers):
        return api.post(path, json.dumps(body), content_type="application/json", **auth, **headers)

    dayzero = post(
        "/api/v1/transactions",
        {"amount": digits, "currency": "USD", "datetime": "2026-01-20T14:45:00Z"},
        HTTP_X_BUSINESS_ID=str(tenant.business_id),
    )
    zuora = post(
        "/v1/object/invoice-payment",
        {"Amount": digits, "InvoiceId": invoice.id.hex, "PaymentId": payment.id.hex},
    )
    moov = post(f"/accounts/{account.entity_id}/invoices", invoice_body(account, digits))
    assert (dayzero.status_code, dayzero.json()["detail"][0]["type"]) == (422, "int_parsing")
    assert (zuora.status_code, zuora.json()["Errors"][0]["Code"]) == (400, "INVALID_VALUE")
    assert (moov.status_code, moov.json()) == (
        422,
        {
            "lineItems": {
                "items": {"0": {"basePrice": {"valueDecimal": 'must be a decimal string such as "12.34"'}}}
            }
        },
    )
    assert [p.pk for p in Payment.objects.for_tenant(tenant.ctx())] == [payment.pk]
    assert not InvoicePayment.objects.for_tenant(tenant.ctx()).exists()
    assert not Invoice.objects.for_tenant(tenant.ctx()).exclude(pk=invoice.pk).exists()


def test_an_invoice_of_lines_shows_its_total_in_every_dialect(api):
    """Lines are the ledger's: Moov shows them, Zuora and DayZero the total they come to with tax."""
    tenant = make_tenant()
    c = Clients(api, tenant)
    account = tenant.account()
    body = invoice_body(account, "10.50", amountDetails={"tax": {"currency": "USD", "valueDecimal": "1.05"}})
    body["lineItems"]["items"][0]["quantity"] = 3
    body["lineItems"]["items"].append(
        {"name": "Setup", "basePrice": {"currency": "USD", "valueDecimal": "0.123456789"}, "quantity": 1}
    )
    moov = c.moov("post", f"{account.entity_id}/invoices", body)
    assert (moov["subtotalAmount"]["valueDecimal"], moov["totalAmount"]["valueDecimal"]) == (
        "31.623456789",
        "32.673456789",
    )
    zuora = c.zuora("get", f"invoice/{moov['invoiceID'].replace('-', '')}")
    dayzero = c.dayzero("get", f"invoices/{moov['invoiceID']}")
    assert (zuora["Amount"], dayzero["amount"]) == (32.673456789, 3267)
