"""Invoice payments and payment links through the official SDK against a live server (see
test_sdk_contract.py): partial, over and full payments, and an invoice's link through a partial payment to
paid."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from moovio_sdk.models import components, errors

from payments import services
from tests.api.moov.sdk_client import amount_of, assert_moov_headers, basic_client, line, money

pytestmark = pytest.mark.django_db(transaction=True)


def _sent(sdk, merchant, customer, price="100.00", **fields):
    invoice = sdk.invoices.create_invoice(
        account_id=merchant,
        customer_account_id=str(customer.id),
        line_items={"items": [line("Consulting", price)]},
        **fields,
    ).result
    return sdk.invoices.update_invoice(
        account_id=merchant, invoice_id=invoice.invoice_id, status="unpaid"
    ).result


def _pay(sdk, merchant, invoice, value, **fields):
    return sdk.invoices.create_invoice_payment(
        account_id=merchant, invoice_id=invoice.invoice_id, amount=money(value), **fields
    )


def _invoice(sdk, merchant, invoice):
    return sdk.invoices.get_invoice(account_id=merchant, invoice_id=invoice.invoice_id).result


def _link(sdk, merchant, code):
    return sdk.payment_links.get(account_id=merchant, payment_link_code=code).result


# --- createInvoicePayment, listInvoicePayments ---


def test_partial_then_full_payment_to_nine_decimals(sdk, merchant, customer):
    invoice = _sent(sdk, merchant, customer, "12.987654321")
    paid_on = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    response = _pay(
        sdk, merchant, invoice, "5.000000001", foreign_id="CHK-1", description="Cheque", payment_date=paid_on
    )
    first = response.result
    assert isinstance(first, components.InvoicePayment)
    assert_moov_headers(response.headers)
    assert first.invoice_payment_type == components.InvoicePaymentType.EXTERNAL
    assert first.amount == components.AmountDecimal(currency="USD", value_decimal="5.000000001")
    assert (first.external.foreign_id, first.external.description) == ("CHK-1", "Cheque")
    assert first.external.payment_date == paid_on

    partly = _invoice(sdk, merchant, invoice)
    assert partly.status == components.InvoiceStatus.UNPAID
    assert partly.paid_amount.value_decimal == "5.000000001"
    assert amount_of(partly.pending_amount) == amount_of(partly.disputed_amount) == 0
    assert partly.paid_on is None

    rest = _pay(sdk, merchant, invoice, "7.98765432").result
    paid = _invoice(sdk, merchant, invoice)
    assert paid.status == components.InvoiceStatus.PAID
    assert paid.paid_amount.value_decimal == "12.987654321"
    assert paid.paid_on is not None
    assert [p.invoice_payment_id for p in paid.invoice_payments] == [
        first.invoice_payment_id,
        rest.invoice_payment_id,
    ]

    assert [i.invoice_id for i in sdk.invoices.list_invoices(account_id=merchant, status="paid").result] == [
        invoice.invoice_id
    ]

    listed = sdk.invoices.list_invoice_payments(account_id=merchant, invoice_id=invoice.invoice_id)
    assert_moov_headers(listed.headers)
    assert all(isinstance(p, components.InvoicePayment) for p in listed.result)
    assert [amount_of(p.amount) for p in listed.result] == [amount_of(first.amount), amount_of(rest.amount)]


def test_money_applied_through_another_dialect_is_a_transfer(sdk, business, merchant, customer):
    invoice = _sent(sdk, merchant, customer, "30.00")
    # A bank transaction or a Zuora payment: recorded, then applied to the invoice.
    payment = business.payment("25.00", account=customer)
    services.payment_apply(
        ctx=business.ctx(), invoice_id=invoice.invoice_id, payment_id=payment.id, amount=Decimal("25.00")
    )
    (listed,) = sdk.invoices.list_invoice_payments(account_id=merchant, invoice_id=invoice.invoice_id).result
    assert listed.invoice_payment_type == components.InvoicePaymentType.TRANSFER
    assert listed.transfer.transfer_id == str(payment.id) and listed.external is None
    assert listed.amount.value_decimal == "25.00"
    assert _invoice(sdk, merchant, invoice).paid_amount.value_decimal == "25.00"


def test_overpayment_is_a_create_invoice_payment_error(sdk, merchant, customer):
    invoice = _sent(sdk, merchant, customer, "50.00")
    _pay(sdk, merchant, invoice, "20.00")
    with pytest.raises(errors.CreateInvoicePaymentError) as refused:
        _pay(sdk, merchant, invoice, "30.000000001")
    assert refused.value.status_code == 422
    assert "30" in refused.value.data.amount.value_decimal
    assert _invoice(sdk, merchant, invoice).paid_amount.value_decimal == "20.00"
    with pytest.raises(errors.CreateInvoicePaymentError) as refused:
        _pay(sdk, merchant, invoice, "1.0000000001")
    assert refused.value.data.amount.value_decimal
    with pytest.raises(errors.CreateInvoicePaymentError) as refused:
        sdk.invoices.create_invoice_payment(
            account_id=merchant, invoice_id=invoice.invoice_id, amount=money("1.00", "EUR")
        )
    assert refused.value.data.amount.currency


def test_a_draft_or_paid_invoice_takes_no_payment(sdk, merchant, customer):
    draft = sdk.invoices.create_invoice(
        account_id=merchant, customer_account_id=str(customer.id), line_items={"items": [line("A", "1.00")]}
    ).result
    paid = _sent(sdk, merchant, customer, "10.00")
    _pay(sdk, merchant, paid, "10.00")
    for invoice in (draft, paid):
        with pytest.raises(errors.GenericError) as refused:
            _pay(sdk, merchant, invoice, "1.00")
        assert refused.value.status_code == 409


def test_payments_of_another_merchants_or_business_invoice_are_not_found(
    sdk, business, merchant, customer, stranger
):
    invoice = _sent(sdk, merchant, customer)
    tenant, theirs = stranger
    their_invoice = tenant.invoice(account=theirs)
    for account_id, invoice_id in (
        (str(business.entity_ids[1]), invoice.invoice_id),
        (merchant, str(their_invoice.id)),
    ):
        for operation, fields in (
            (sdk.invoices.list_invoice_payments, {}),
            (sdk.invoices.create_invoice_payment, {"amount": money("1.00")}),
        ):
            with pytest.raises(errors.APIError) as refused:
                operation(account_id=account_id, invoice_id=invoice_id, **fields)
            assert refused.value.status_code == 404


# --- payment links ---


def test_the_link_through_a_partial_payment_to_paid(sdk_bearer, merchant, customer):
    sdk = sdk_bearer
    invoice = _sent(sdk, merchant, customer, "100.005")
    link = _link(sdk, merchant, invoice.payment_link_code)
    assert isinstance(link, components.PaymentLink)
    assert (link.status, link.payment_link_type) == (components.PaymentLinkStatus.ACTIVE, "invoice-payment")
    assert link.amount == components.Amount(currency="USD", value=10000)  # 100.005 in cents, half-even
    assert link.link == invoice.payment_link_url
    assert link.merchant_account_id == merchant
    assert link.display.title == f"Invoice {invoice.invoice_number}"

    _pay(sdk, merchant, invoice, "60.005")
    partly = _link(sdk, merchant, invoice.payment_link_code)
    assert partly.status == components.PaymentLinkStatus.ACTIVE
    assert partly.amount.value == 4000
    assert _invoice(sdk, merchant, invoice).payment_link_code == invoice.payment_link_code

    _pay(sdk, merchant, invoice, "40.00")
    done = _link(sdk, merchant, invoice.payment_link_code)
    assert done.status == components.PaymentLinkStatus.DISABLED
    assert done.disabled_on is not None
    assert done.amount.value == 0
    assert _invoice(sdk, merchant, invoice).status == components.InvoiceStatus.PAID


def test_list_links_of_the_merchant(sdk, business, merchant, customer):
    first = _sent(sdk, merchant, customer)
    second = _sent(sdk, merchant, customer)
    other_merchant = str(business.entity_ids[1])
    _sent(sdk, other_merchant, business.account(entity_id=other_merchant))
    response = sdk.payment_links.list(account_id=merchant)
    assert_moov_headers(response.headers)
    assert all(isinstance(link, components.PaymentLink) for link in response.result)
    assert [link.code for link in response.result] == [first.payment_link_code, second.payment_link_code]
    assert [link.code for link in sdk.payment_links.list(account_id=merchant, skip=1, count=1).result] == [
        second.payment_link_code
    ]
    assert sdk.payment_links.list(account_id=merchant, types=["payment"]).result == []
    invoice_links = sdk.payment_links.list(account_id=merchant, types=["invoice-payment"]).result
    assert len(invoice_links) == 2
    # Several types go as one comma-separated value (types=invoice-payment,payment).
    both = sdk.payment_links.list(account_id=merchant, types=["invoice-payment", "payment"]).result
    assert len(both) == 2


def test_update_a_link(sdk, merchant, customer):
    invoice = _sent(sdk, merchant, customer)
    code = invoice.payment_link_code
    expires = (timezone.now() + timedelta(days=7)).replace(microsecond=0)
    response = sdk.payment_links.update(
        account_id=merchant,
        payment_link_code=code,
        expires_on=expires,
        display={"title": "Pay Acme", "description": "Consulting", "call_to_action": "pay"},
        customer={"require_phone": True, "metadata": {"po": "PO-7"}},
    )
    updated = response.result
    assert isinstance(updated, components.PaymentLink)
    assert_moov_headers(response.headers)
    assert updated.expires_on == expires
    assert (updated.display.title, updated.display.description) == ("Pay Acme", "Consulting")
    assert updated.customer.require_phone is True and updated.customer.metadata == {"po": "PO-7"}
    cleared = sdk.payment_links.update(account_id=merchant, payment_link_code=code, expires_on=None).result
    assert cleared.expires_on is None and cleared.display.title == "Pay Acme"
    past = timezone.now() - timedelta(minutes=1)
    retitled = sdk.payment_links.update(
        account_id=merchant, payment_link_code=code, display={"title": "Pay now"}
    )
    assert (retitled.result.display.title, retitled.result.display.description) == ("Pay now", "Consulting")
    expired = sdk.payment_links.update(account_id=merchant, payment_link_code=code, expires_on=past).result
    assert expired.status == components.PaymentLinkStatus.EXPIRED


def test_a_links_amount_and_lines_are_the_invoices(sdk, merchant, customer):
    code = _sent(sdk, merchant, customer).payment_link_code
    with pytest.raises(errors.UpdatePaymentLinkError) as refused:
        sdk.payment_links.update(
            account_id=merchant, payment_link_code=code, amount={"currency": "USD", "value": 1}
        )
    assert refused.value.status_code == 422 and refused.value.data.amount
    with pytest.raises(errors.UpdatePaymentLinkError) as refused:
        sdk.payment_links.update(
            account_id=merchant,
            payment_link_code=code,
            line_items={"items": [{"name": "X", "base_price": money("1.00"), "quantity": 1}]},
        )
    assert refused.value.status_code == 422 and refused.value.data.line_items is not None


def test_disable_a_link(sdk, merchant, customer):
    invoice = _sent(sdk, merchant, customer)
    code = invoice.payment_link_code
    response = sdk.payment_links.disable(account_id=merchant, payment_link_code=code)
    assert_moov_headers(response.headers)
    disabled = _link(sdk, merchant, code)
    assert disabled.status == components.PaymentLinkStatus.DISABLED and disabled.disabled_on is not None
    with pytest.raises(errors.GenericError) as refused:
        sdk.payment_links.update(account_id=merchant, payment_link_code=code, display={"title": "Late"})
    assert refused.value.status_code == 409


def test_links_of_another_merchant_or_business_are_not_found(
    sdk, business, merchant, customer, stranger, moov_url
):
    code = _sent(sdk, merchant, customer).payment_link_code
    tenant, theirs = stranger
    with basic_client(tenant, moov_url) as their_sdk:
        their_code = _sent(their_sdk, str(tenant.entity_ids[0]), theirs).payment_link_code
    for account_id, link_code in ((str(business.entity_ids[1]), code), (merchant, their_code)):
        for operation, fields in (
            (sdk.payment_links.get, {}),
            (sdk.payment_links.update, {"display": {"title": "Mine"}}),
            (sdk.payment_links.disable, {}),
        ):
            with pytest.raises(errors.APIError) as refused:
                operation(account_id=account_id, payment_link_code=link_code, **fields)
            assert refused.value.status_code == 404
    assert _link(sdk, merchant, code).status == components.PaymentLinkStatus.ACTIVE
