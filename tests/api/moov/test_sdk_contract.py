"""The Moov dialect's invoices through the official SDK (moovio-sdk, pinned in the dev extras) against a live
server: each answer parses into the SDK's typed model (its response validation passed) with the right
numbers, each refusal into the SDK's typed error. Payments and payment links: test_sdk_contract_links.py.

The path's account is the merchant, one of the business's entities; customerAccountID is a billing account
of that merchant."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from moovio_sdk.models import components, errors

from tests.api.moov.sdk_client import amount_of, assert_moov_headers, line, money

pytestmark = pytest.mark.django_db(transaction=True)


def _midnight(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def _create(sdk, merchant, customer, *items, **fields):
    items = items or (line("Consulting", "100.00"),)
    return sdk.invoices.create_invoice(
        account_id=merchant, customer_account_id=str(customer.id), line_items={"items": list(items)}, **fields
    ).result


def _sent(sdk, merchant, customer, *items, **fields):
    invoice = _create(sdk, merchant, customer, *items, **fields)
    return sdk.invoices.update_invoice(
        account_id=merchant, invoice_id=invoice.invoice_id, status=components.InvoiceStatus.UNPAID
    ).result


# --- createInvoice ---


def test_create_with_lines_options_tax_and_surcharge_to_nine_decimals(sdk, business, merchant, customer):
    response = sdk.invoices.create_invoice(
        account_id=merchant,
        customer_account_id=str(customer.id),
        line_items={
            "items": [
                line(
                    "Widget",
                    "10.123456789",
                    3,
                    product_id="SKU-1",
                    options=[{"name": "Gift wrap", "quantity": 2, "price_modifier": money("0.5")}],
                ),
                line("Setup", "0"),
            ]
        },
        amount_details={"tax": money("2.000000001"), "surcharge": money("0.25")},
        description="Widgets",
        invoice_date=_midnight("2026-01-16"),
        due_date=_midnight("2026-02-16"),
    )
    invoice = response.result
    assert isinstance(invoice, components.Invoice)
    assert_moov_headers(response.headers)
    # 3 x (10.123456789 + 2 x 0.5) = 33.370370367; + 2.000000001 tax + 0.25 surcharge.
    assert invoice.subtotal_amount == components.AmountDecimal(currency="USD", value_decimal="33.370370367")
    assert invoice.total_amount.value_decimal == "35.620370368"
    assert invoice.amount_details.tax.value_decimal == "2.000000001"
    assert invoice.amount_details.surcharge.value_decimal == "0.25"
    untouched = (
        invoice.paid_amount,
        invoice.pending_amount,
        invoice.disputed_amount,
        invoice.refunded_amount,
    )
    assert [amount_of(amount) for amount in untouched] == [0, 0, 0, 0]
    assert invoice.status == components.InvoiceStatus.DRAFT
    assert invoice.invoice_number == "INV-1"
    assert invoice.partner_account_id == str(business.business_id)
    assert invoice.customer_account_id == str(customer.id)
    assert (invoice.customer_display_name, invoice.customer_email) == ("Acme Ltd", "ap@acme.test")
    assert (invoice.invoice_date, invoice.due_date) == (_midnight("2026-01-16"), _midnight("2026-02-16"))
    widget, setup = invoice.line_items.items
    assert (widget.product_id, widget.quantity) == ("SKU-1", 3)
    assert widget.base_price.value_decimal == "10.123456789"
    assert widget.options[0].price_modifier.value_decimal == "0.50"
    assert setup.base_price.value_decimal == "0.00"
    assert invoice.payment_link_code is None and invoice.sent_on is None


def test_numbers_count_per_merchant_unless_given(sdk, business, merchant, customer):
    other_merchant = str(business.entity_ids[1])
    theirs = business.account(entity_id=other_merchant, email="ap@other.test")
    assert _create(sdk, merchant, customer).invoice_number == "INV-1"
    # Empty or whitespace-only is as if left out (the SDK's CreateInvoice.invoiceNumber).
    assert _create(sdk, merchant, customer, invoice_number="").invoice_number == "INV-2"
    assert _create(sdk, merchant, customer, invoice_number="  ").invoice_number == "INV-3"
    assert _create(sdk, other_merchant, theirs).invoice_number == "INV-1"
    assert _create(sdk, merchant, customer, invoice_number=" A-7 ").invoice_number == "A-7"
    assert _create(sdk, merchant, customer).invoice_number == "INV-4"


def test_bearer_token_creates_lists_and_gets(sdk_bearer, merchant, customer):
    created = _create(sdk_bearer, merchant, customer, line("Hours", "37.25"), customer_email="pay@acme.test")
    assert created.total_amount.value_decimal == "37.25"
    assert created.customer_email == "pay@acme.test"  # the invoice's own address over the account's
    listed = sdk_bearer.invoices.list_invoices(account_id=merchant)
    assert_moov_headers(listed.headers)
    assert [i.invoice_id for i in listed.result] == [created.invoice_id]
    got = sdk_bearer.invoices.get_invoice(account_id=merchant, invoice_id=created.invoice_id)
    assert isinstance(got.result, components.Invoice) and got.result == created


def test_create_refusals_are_create_invoice_errors(sdk, merchant, customer):
    with pytest.raises(errors.CreateInvoiceError) as refused:
        _create(sdk, merchant, customer, line("Fine", "1.00"), line("Too fine", "1.0000000001"))
    assert refused.value.status_code == 422
    assert refused.value.data.line_items.items["1"].base_price.value_decimal
    with pytest.raises(errors.CreateInvoiceError) as refused:
        _create(sdk, merchant, customer, {**line("Euros", "1.00"), "base_price": money("1.00", "EUR")})
    assert refused.value.data.line_items.items["0"].base_price.currency
    with pytest.raises(errors.CreateInvoiceError) as refused:
        _create(sdk, merchant, customer, amount_details={"tax": money("1.00", "EUR")})
    assert refused.value.data.amount_details.tax
    with pytest.raises(errors.CreateInvoiceError) as refused:
        option = {"name": "Discount", "quantity": 1, "price_modifier": money("-2.00")}
        _create(sdk, merchant, customer, line("Cheap", "1.00", options=[option]))
    assert refused.value.data.line_items.items["0"].options["0"].price_modifier.value_decimal
    with pytest.raises(errors.CreateInvoiceError) as refused:
        _create(
            sdk, merchant, customer, invoice_date=_midnight("2026-03-02"), due_date=_midnight("2026-03-01")
        )
    assert refused.value.data.due_date
    assert_moov_headers(refused.value.headers)


def test_a_total_too_large_for_any_line_is_a_400(sdk, merchant, customer):
    # Each line is within bounds, their sum is not: the refusal has no place in CreateInvoiceError.
    big = "999999999999999.00"
    with pytest.raises(errors.GenericError) as refused:
        _create(sdk, merchant, customer, line("Half", big), line("Other half", big))
    assert refused.value.status_code == 400 and refused.value.data.error


def test_a_taken_number_is_a_409(sdk, merchant, customer):
    _create(sdk, merchant, customer, invoice_number="INV-9")
    with pytest.raises(errors.GenericError) as refused:
        _create(sdk, merchant, customer, invoice_number="INV-9")
    assert refused.value.status_code == 409 and "INV-9" in refused.value.data.error


def test_a_customer_of_another_merchant_or_business_is_not_found(sdk, business, merchant, stranger):
    other_merchants_customer = business.account(entity_id=business.entity_ids[1])
    for customer in (other_merchants_customer, stranger[1]):
        with pytest.raises(errors.APIError) as refused:
            _create(sdk, merchant, customer)
        assert refused.value.status_code == 404


def test_a_merchant_of_another_business_or_not_granted_is_not_found(sdk, business, customer, stranger):
    tenant, theirs = stranger
    client = business.client
    client.all_entities = False
    client.save(update_fields=["all_entities"])
    client.entities.set([business.entity_ids[0]])
    lines = {"items": [line("Consulting", "1.00")]}
    for account_id in (str(tenant.entity_ids[0]), str(business.entity_ids[1])):
        for operation, fields in (
            (sdk.invoices.list_invoices, {}),
            (sdk.invoices.create_invoice, {"customer_account_id": str(theirs.id), "line_items": lines}),
        ):
            with pytest.raises(errors.APIError) as refused:
                operation(account_id=account_id, **fields)
            assert refused.value.status_code == 404
            assert_moov_headers(refused.value.headers)


# --- listInvoices ---


def test_list_filters_by_status_and_customer(sdk, business, merchant, customer):
    other = business.account(entity_id=merchant, email="ap@other.test")
    draft = _create(sdk, merchant, customer)
    unpaid = _sent(sdk, merchant, other)
    month_ago = _midnight((timezone.localdate() - timedelta(days=30)).isoformat())
    overdue = _sent(sdk, merchant, customer, invoice_date=month_ago, due_date=month_ago)
    canceled = _create(sdk, merchant, customer)
    sdk.invoices.update_invoice(account_id=merchant, invoice_id=canceled.invoice_id, status="canceled")
    elsewhere = business.account(entity_id=business.entity_ids[1])
    _create(sdk, str(business.entity_ids[1]), elsewhere)  # the other merchant's

    def ids(**query):
        return [i.invoice_id for i in sdk.invoices.list_invoices(account_id=merchant, **query).result]

    assert ids() == [draft.invoice_id, unpaid.invoice_id, overdue.invoice_id, canceled.invoice_id]
    assert ids(status=components.InvoiceStatus.DRAFT) == [draft.invoice_id]
    assert ids(status=components.InvoiceStatus.UNPAID) == [unpaid.invoice_id]
    assert ids(status=components.InvoiceStatus.OVERDUE) == [overdue.invoice_id]
    assert ids(status=components.InvoiceStatus.CANCELED) == [canceled.invoice_id]
    assert ids(status=components.InvoiceStatus.PAYMENT_PENDING) == []
    assert ids(customer_account_id=str(other.id)) == [unpaid.invoice_id]
    assert ids(skip=1, count=2) == [unpaid.invoice_id, overdue.invoice_id]


def test_list_filters_by_creation_and_due_date_times(sdk, merchant, customer):
    march = _create(sdk, merchant, customer, due_date=_midnight("2026-03-01"))
    april = _create(sdk, merchant, customer, due_date=_midnight("2026-04-01"))

    def ids(**query):
        return [i.invoice_id for i in sdk.invoices.list_invoices(account_id=merchant, **query).result]

    assert ids(created_end_date_time=march.created_on) == [march.invoice_id]
    assert ids(created_start_date_time=april.created_on) == [april.invoice_id]
    assert ids(created_start_date_time=timezone.now() + timedelta(minutes=1)) == []
    assert ids(due_start_date_time=_midnight("2026-03-15")) == [april.invoice_id]
    assert ids(due_end_date_time=_midnight("2026-03-01")) == [march.invoice_id]
    assert ids(due_start_date_time=_midnight("2026-03-01"), due_end_date_time=_midnight("2026-04-01")) == [
        march.invoice_id,
        april.invoice_id,
    ]


def test_list_refusals_are_list_invoices_validation_errors(sdk, merchant):
    with pytest.raises(errors.ListInvoicesValidationError) as refused:
        sdk.invoices.list_invoices(account_id=merchant, count=201)
    assert refused.value.status_code == 422 and refused.value.data.count


# --- getInvoice ---


def test_get_is_not_found_for_another_merchant_or_business(sdk, business, merchant, customer, stranger):
    invoice = _create(sdk, merchant, customer)
    tenant, theirs = stranger
    their_invoice = tenant.invoice(account=theirs)
    for account_id, invoice_id in (
        (str(business.entity_ids[1]), invoice.invoice_id),
        (merchant, str(their_invoice.id)),
        (str(tenant.entity_ids[0]), str(their_invoice.id)),
    ):
        with pytest.raises(errors.APIError) as refused:
            sdk.invoices.get_invoice(account_id=account_id, invoice_id=invoice_id)
        assert refused.value.status_code == 404


# --- updateInvoice ---


def test_update_a_draft_details_lines_and_amounts(sdk, merchant, customer):
    invoice = _create(sdk, merchant, customer, due_date=_midnight("2026-05-01"))
    response = sdk.invoices.update_invoice(
        account_id=merchant,
        invoice_id=invoice.invoice_id,
        description="Revised",
        line_items={"items": [line("Hours", "12.5", 2), line("Travel", "0.000000001")]},
        invoice_date=_midnight("2026-04-01"),
        amount_details={"tax": money("2.50")},
        payment={
            "allowed_methods": ["ach-debit-collect", "card-payment"],
            "card_details": {"dynamic_descriptor": "ACME CONSULTING"},
            "ach_details": {"company_entry_description": "INVOICE"},
        },
    )
    updated = response.result
    assert isinstance(updated, components.Invoice)
    assert_moov_headers(response.headers)
    assert updated.description == "Revised"
    assert [i.name for i in updated.line_items.items] == ["Hours", "Travel"]
    assert updated.subtotal_amount.value_decimal == "25.000000001"
    assert updated.total_amount.value_decimal == "27.500000001"
    assert updated.amount_details.tax.value_decimal == "2.50"
    assert updated.payment.allowed_methods == ["ach-debit-collect", "card-payment"]
    assert updated.payment.card_details.dynamic_descriptor == "ACME CONSULTING"
    assert updated.payment.ach_details.company_entry_description == "INVOICE"
    assert (updated.invoice_date, updated.due_date) == (_midnight("2026-04-01"), _midnight("2026-05-01"))

    cleared = sdk.invoices.update_invoice(account_id=merchant, invoice_id=invoice.invoice_id, due_date=None)
    assert cleared.result.due_date is None
    assert cleared.result.invoice_date == _midnight("2026-04-01")  # left out: kept
    undated = sdk.invoices.update_invoice(
        account_id=merchant, invoice_id=invoice.invoice_id, invoice_date=None
    )
    assert undated.result.invoice_date is None
    assert undated.result.total_amount.value_decimal == "27.500000001"


def test_update_to_unpaid_sends_it_with_a_link(sdk, merchant, customer):
    invoice = _create(sdk, merchant, customer, line("Hours", "80.00"))
    sent = sdk.invoices.update_invoice(
        account_id=merchant, invoice_id=invoice.invoice_id, status="unpaid"
    ).result
    assert sent.status == components.InvoiceStatus.UNPAID
    assert sent.sent_on is not None and sent.payment_link_code
    assert sent.payment_link_url.endswith(f"/pay/{sent.payment_link_code}")
    # Its details still change; its lines no longer do.
    sdk.invoices.update_invoice(account_id=merchant, invoice_id=invoice.invoice_id, description="Still due")
    with pytest.raises(errors.GenericError) as refused:
        sdk.invoices.update_invoice(
            account_id=merchant, invoice_id=invoice.invoice_id, line_items={"items": [line("More", "1.00")]}
        )
    assert refused.value.status_code == 409


def test_unpaid_past_its_due_date_is_overdue(sdk, merchant, customer):
    today = timezone.localdate()
    due = _midnight((today - timedelta(days=1)).isoformat())
    invoice = _sent(sdk, merchant, customer, invoice_date=due - timedelta(days=30), due_date=due)
    assert invoice.status == components.InvoiceStatus.OVERDUE
    later = _midnight((today + timedelta(days=30)).isoformat())
    moved = sdk.invoices.update_invoice(
        account_id=merchant, invoice_id=invoice.invoice_id, due_date=later
    ).result
    assert moved.status == components.InvoiceStatus.UNPAID


def test_cancel_and_then_nothing_changes(sdk, merchant, customer):
    invoice = _sent(sdk, merchant, customer)
    canceled = sdk.invoices.update_invoice(
        account_id=merchant, invoice_id=invoice.invoice_id, status="canceled"
    )
    assert canceled.result.status == components.InvoiceStatus.CANCELED
    assert canceled.result.canceled_on is not None
    with pytest.raises(errors.GenericError) as refused:
        sdk.invoices.update_invoice(
            account_id=merchant, invoice_id=invoice.invoice_id, description="Too late"
        )
    assert refused.value.status_code == 409


def test_update_refusals_are_update_invoice_errors(sdk, merchant, customer):
    invoice = _create(sdk, merchant, customer, invoice_date=_midnight("2026-03-10"))
    with pytest.raises(errors.UpdateInvoiceError) as refused:
        sdk.invoices.update_invoice(
            account_id=merchant, invoice_id=invoice.invoice_id, due_date=_midnight("2026-03-09")
        )
    assert refused.value.status_code == 422 and refused.value.data.due_date
    with pytest.raises(errors.UpdateInvoiceError) as refused:
        sdk.invoices.update_invoice(
            account_id=merchant,
            invoice_id=invoice.invoice_id,
            line_items={"items": [line("Hours", "1.00", 0)]},
        )
    assert refused.value.data.line_items.items["0"].quantity
    with pytest.raises(errors.UpdateInvoiceError) as refused:
        sdk.invoices.update_invoice(account_id=merchant, invoice_id=invoice.invoice_id, status="paid")
    assert refused.value.data.status


# --- delete ---


def test_delete_a_draft_only(sdk, merchant, customer):
    draft = _create(sdk, merchant, customer)
    sent = _sent(sdk, merchant, customer)
    deleted = sdk.invoices.delete(account_id=merchant, invoice_id=draft.invoice_id)
    assert_moov_headers(deleted.headers)
    listed = sdk.invoices.list_invoices(account_id=merchant).result
    assert [i.invoice_id for i in listed] == [sent.invoice_id]
    with pytest.raises(errors.GenericError) as refused:
        sdk.invoices.delete(account_id=merchant, invoice_id=sent.invoice_id)
    assert refused.value.status_code == 409 and refused.value.data.error


@pytest.mark.xfail(
    strict=True,
    reason="The SDK's delete: 'Deleted invoices are hidden from list results by default, but can still be "
    "retrieved individually through the get invoice endpoint.' The app deletes the row (invoice_delete): "
    "get answers 404. Keeping it needs a soft delete (a column, the list's filter, what get shows): not small.",
)
def test_a_deleted_invoice_can_still_be_retrieved(sdk, merchant, customer):
    draft = _create(sdk, merchant, customer)
    sdk.invoices.delete(account_id=merchant, invoice_id=draft.invoice_id)
    got = sdk.invoices.get_invoice(account_id=merchant, invoice_id=draft.invoice_id).result
    assert got.invoice_id == draft.invoice_id


# --- createInvoiceNotification ---


def test_notification_emails_the_invoice_again_through_the_outbox(sdk, merchant, customer, smtp):
    invoice = _sent(sdk, merchant, customer, line("Hours", "42.00"), invoice_number="INV-N")
    assert len(smtp.messages) == 1  # the send's email (tasks run in-process: the outbox sends at commit)
    response = sdk.invoices.create_invoice_notification(
        account_id=merchant, invoice_id=invoice.invoice_id, channels=[components.NotificationChannel.EMAIL]
    )
    assert_moov_headers(response.headers)
    assert len(smtp.messages) == 2
    again = smtp.messages[1]
    assert again["To"] == "ap@acme.test"
    assert "INV-N" in again["Subject"] and "42.00 USD due" in again["Subject"]


def test_notification_of_a_draft_is_a_409(sdk, merchant, customer):
    draft = _create(sdk, merchant, customer)
    with pytest.raises(errors.GenericError) as refused:
        sdk.invoices.create_invoice_notification(
            account_id=merchant, invoice_id=draft.invoice_id, channels=["email"]
        )
    assert refused.value.status_code == 409


def test_notification_needs_a_channel_and_an_address(sdk, business, merchant):
    no_email = business.account(entity_id=merchant, email="")
    invoice = _sent(sdk, merchant, no_email)
    with pytest.raises(errors.InvoiceNotificationError) as refused:
        sdk.invoices.create_invoice_notification(
            account_id=merchant, invoice_id=invoice.invoice_id, channels=[]
        )
    assert refused.value.status_code == 422 and refused.value.data.channels
    # The SDK: a 409 when the customer account has no email set.
    with pytest.raises(errors.GenericError) as refused:
        sdk.invoices.create_invoice_notification(
            account_id=merchant, invoice_id=invoice.invoice_id, channels=["email"]
        )
    assert refused.value.status_code == 409 and "email" in refused.value.data.error
