"""Money moves only through the actions: each makes one service call as the staff user, so the ledger
events name them, and a rule's refusal shows the service's own message."""

from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.messages import get_messages

from invoices.models import Invoice, PaymentLink
from invoices.services import invoice_send
from ledger.models import LedgerEvent
from payments.models import InvoicePayment, Receipt, Refund
from payments.services import RefundPart, payment_apply, refund_create
from tests.admin.conftest import back_office_user

pytestmark = pytest.mark.django_db
D = Decimal
INVOICES = "/admin/invoices/invoice/"
PAYMENTS = "/admin/payments/payment/"
APPLICATIONS = "/admin/payments/invoicepayment/"


def messages_of(response) -> list[str]:
    return [m.message for m in get_messages(response.wsgi_request)]


def ask(client, url, action, pk, *, on_page=False):
    """Chooses an action for one row, on the list or on the row's own page: its form comes back."""
    field = "CHANGE_FORM-action" if on_page else "action"
    data = {field: action, "_selected_action": [str(pk)]}
    if not on_page:
        data["index"] = "0"
    return client.post(f"{url}{pk}/change/" if on_page else url, data)


def confirm(client, url, action, pk, *, on_page=False, **fields):
    """Submits an action's intermediate form, as the page it came from posts it."""
    field = "CHANGE_FORM-action" if on_page else "action"
    data = {field: action, "_selected_action": [str(pk)], "confirm": "yes", **fields}
    return client.post(f"{url}{pk}/change/" if on_page else url, data, follow=True)


def run(client, url, action, *pks):
    """Runs an action without a form on the selected rows of a list."""
    data = {"action": action, "_selected_action": [str(pk) for pk in pks], "index": "0"}
    return client.post(url, data, follow=True)


def event(kind, **ids) -> LedgerEvent:
    return LedgerEvent.objects.across_tenants(reason="test").get(kind=kind, **ids)


def fresh(row):
    row.refresh_from_db()
    return row


def test_apply_a_payment_from_the_invoice_list(staff_client, staff, acme):
    account = acme.account(email="")
    invoice = acme.invoice("100", account=account, number="INV-9")
    payment = acme.payment("150", account=account, reference="WIRE-1")
    acme.payment("20", currency="EUR")
    acme.invoice("5", account=account)  # an invoice is no payment: the list is of payments

    asked = ask(staff_client, INVOICES, "apply_payment", invoice.pk)
    assert asked.status_code == 200
    assert list(asked.context["form"].fields["payment"].queryset) == [payment]
    page = asked.content.decode()
    assert "Invoice INV-9 of" in page and "The invoice&#x27;s open balance: 100.00 USD" in page
    assert "WIRE-1 · 150.00 USD on" in page and "150.00 USD unallocated" in page

    done = confirm(
        staff_client, INVOICES, "apply_payment", invoice.pk, payment=payment.pk, amount_from="balance"
    )
    assert done.redirect_chain == [(INVOICES, 302)]
    assert fresh(invoice).balance == 0 and invoice.status == Invoice.Status.PAID
    assert fresh(payment).unallocated_amount == D(50)
    assert any(m.startswith("Applied 100.00 USD of payment WIRE-1") for m in messages_of(done))
    applied = event("applied", invoice_id=invoice.pk)
    assert applied.actor == "staff:alice"
    assert applied.request_id
    assert (
        InvoicePayment.objects.across_tenants(reason="test").get(invoice=invoice).created_by == "staff:alice"
    )
    # The ledger events are the one record: no second one in Django's admin history.
    assert not LogEntry.objects.exists()


def test_apply_the_payments_unallocated_amount_on_the_invoice_page(staff_client, acme):
    account = acme.account(email="")
    invoice = acme.invoice("100", account=account)
    payment = acme.payment("30", account=account)
    url = f"{INVOICES}{invoice.pk}/change/"

    assert "Apply a payment" in staff_client.get(url).content.decode()
    assert ask(staff_client, INVOICES, "apply_payment", invoice.pk, on_page=True).status_code == 200
    done = confirm(
        staff_client,
        INVOICES,
        "apply_payment",
        invoice.pk,
        on_page=True,
        payment=payment.pk,
        amount_from="unallocated",
    )
    assert done.redirect_chain == [(url, 302)]
    assert "100.00 USD - 30.00 USD paid + 0.00 USD refunded = 70.00 USD" in done.content.decode()
    assert fresh(invoice).status == Invoice.Status.PARTIALLY_PAID


def test_a_refused_amount_shows_the_services_message_and_changes_nothing(staff_client, acme):
    account = acme.account(email="")
    invoice = acme.invoice("100", account=account)
    payment = acme.payment("150", account=account)

    refused = confirm(
        staff_client, INVOICES, "apply_payment", invoice.pk, payment=payment.pk, amount_from="unallocated"
    )
    assert refused.status_code == 200
    assert refused.context["form"].cleaned_data["amount_from"] == "unallocated"
    assert messages_of(refused) == ["the amount exceeds the invoice balance 100"]
    assert "The amount exceeds the invoice balance 100" in refused.content.decode()
    assert fresh(invoice).payment_amount == 0 and fresh(payment).allocated_amount == 0
    assert not LedgerEvent.objects.across_tenants(reason="test").filter(kind="applied").exists()


def test_apply_a_payment_to_an_invoice_with_another_amount(staff_client, acme):
    account = acme.account(email="")
    payment = acme.payment("100", account=account, reference="CHQ-7")
    invoice = acme.invoice("50", account=account, number="INV-OPEN")
    acme.invoice("50", account=account, status="draft")
    acme.invoice("50", currency="EUR")

    asked = ask(staff_client, PAYMENTS, "apply_to_invoice", payment.pk)
    assert list(asked.context["form"].fields["invoice"].queryset) == [invoice]
    assert "The payment&#x27;s unallocated amount: 100.00 USD" in asked.content.decode()

    missing = confirm(
        staff_client, PAYMENTS, "apply_to_invoice", payment.pk, invoice=invoice.pk, amount_from="other"
    )
    assert missing.context["form"].errors == {"other_amount": ["Enter the amount to apply."]}

    done = confirm(
        staff_client,
        PAYMENTS,
        "apply_to_invoice",
        payment.pk,
        invoice=invoice.pk,
        amount_from="other",
        other_amount="12.345",
    )
    assert done.redirect_chain == [(PAYMENTS, 302)]
    assert fresh(invoice).payment_amount == D("12.345")
    assert event("applied", payment_id=payment.pk).actor == "staff:alice"


def test_unapply_asks_why_gives_the_money_back_and_refuses_a_refunded_application(staff_client, acme):
    account = acme.account(email="")
    invoice = acme.invoice("100", account=account)
    payment = acme.payment("100", account=account, reference="WIRE-U")
    kept = payment_apply(ctx=acme.ctx(), invoice_id=invoice.pk, payment_id=payment.pk, amount=D(40))
    refund_create(ctx=acme.ctx(), payment_id=payment.pk, amount=D(5), parts=[RefundPart(invoice.pk, D(5))])
    removed = payment_apply(ctx=acme.ctx(), invoice_id=invoice.pk, payment_id=payment.pk, amount=D(25))

    # A confirmation page first: nothing moves until it is confirmed, with a reason.
    asked = ask(staff_client, APPLICATIONS, "unapply", removed.pk)
    assert asked.status_code == 200
    assert "25.00 USD of payment WIRE-U" in asked.content.decode()
    assert fresh(invoice).payment_amount == D(65)
    no_reason = confirm(staff_client, APPLICATIONS, "unapply", removed.pk)
    assert no_reason.context["form"].errors == {"reason": ["This field is required."]}

    refused = confirm(staff_client, APPLICATIONS, "unapply", kept.pk, reason="wrong invoice")
    assert messages_of(refused) == ["this invoice payment was partly refunded and cannot be removed"]

    done = confirm(staff_client, APPLICATIONS, "unapply", removed.pk, reason="applied twice")
    assert done.redirect_chain == [(APPLICATIONS, 302)]
    assert messages_of(done) == [f"Unapplied 25.00 USD of payment {payment} from invoice {invoice.number}."]
    assert list(InvoicePayment.objects.across_tenants(reason="test").filter(invoice=invoice)) == [kept]
    assert fresh(invoice).payment_amount == D(40)
    unapplied = event("unapplied", invoice_payment_id=removed.pk)
    assert (unapplied.actor, unapplied.reason) == ("staff:alice", "applied twice")


def test_refund_part_of_an_application_on_its_page(staff_client, acme):
    account = acme.account(email="")
    invoice = acme.invoice("100", account=account, number="INV-R")
    payment = acme.payment("100", account=account)
    application = payment_apply(ctx=acme.ctx(), invoice_id=invoice.pk, payment_id=payment.pk, amount=D(60))

    asked = ask(staff_client, APPLICATIONS, "refund", application.pk, on_page=True)
    assert asked.context["form"]["amount"].value() == "60.00"

    over = confirm(
        staff_client, APPLICATIONS, "refund", application.pk, on_page=True, amount="61", reason="goodwill"
    )
    assert messages_of(over) == [f"the refund exceeds what this payment applied to invoice {invoice.number}"]
    assert not Refund.objects.across_tenants(reason="test").exists()

    done = confirm(
        staff_client, APPLICATIONS, "refund", application.pk, on_page=True, amount="20", reason="goodwill"
    )
    assert done.redirect_chain == [(f"{APPLICATIONS}{application.pk}/change/", 302)]
    assert "Refunded 20.00 USD of invoice INV-R." in messages_of(done)
    refund = Refund.objects.across_tenants(reason="test").get()
    assert (refund.amount, refund.comment, refund.created_by) == (D(20), "goodwill", "staff:alice")
    assert fresh(invoice).balance == D(60)
    assert {
        (e.actor, e.reason) for e in LedgerEvent.objects.across_tenants(reason="test").filter(kind="refunded")
    } == {("staff:alice", "goodwill")}


def test_void_asks_why_and_says_why_not_when_a_rule_refuses(staff_client, acme):
    account = acme.account(email="")
    unpaid = acme.invoice("100", account=account, number="INV-UNPAID")
    paid = acme.invoice("100", account=account, number="INV-PAID")
    payment_apply(ctx=acme.ctx(), invoice_id=paid.pk, payment_id=acme.payment("10").pk, amount=D(10))

    asked = ask(staff_client, INVOICES, "void", unpaid.pk, on_page=True)
    assert "Invoice INV-UNPAID of" in asked.content.decode()
    assert fresh(unpaid).status == Invoice.Status.OPEN
    refused = confirm(staff_client, INVOICES, "void", paid.pk, reason="duplicate")
    assert messages_of(refused) == ["the invoice has payments applied: remove or refund them first"]
    done = confirm(staff_client, INVOICES, "void", unpaid.pk, on_page=True, reason="billed twice")
    assert messages_of(done) == ["Voided invoice INV-UNPAID."]
    assert fresh(unpaid).status == Invoice.Status.VOID
    assert fresh(paid).status == Invoice.Status.PARTIALLY_PAID
    voided = event("invoice_voided", invoice_id=unpaid.pk)
    assert (voided.actor, voided.reason) == ("staff:alice", "billed twice")


def test_resend_a_pending_or_failed_receipt_but_never_a_sent_one(
    staff_client, acme, smtp, django_capture_on_commit_callbacks
):
    account = acme.account(email="ap@acme.test")
    invoice = acme.invoice("100", account=account, number="INV-RC")
    for amount in (10, 20):
        # The test's transaction never commits: the receipts stay pending until the action's commit.
        payment_apply(
            ctx=acme.ctx(), invoice_id=invoice.pk, payment_id=acme.payment("100").pk, amount=D(amount)
        )
    pending, failed = Receipt.objects.across_tenants(reason="test").order_by("amount")
    Receipt.objects.across_tenants(reason="test").filter(pk=failed.pk).update(
        status=Receipt.Status.FAILED, attempts=Receipt.MAX_ATTEMPTS
    )

    with django_capture_on_commit_callbacks(execute=True):
        done = run(staff_client, "/admin/payments/receipt/", "resend", pending.pk, failed.pk)
    assert messages_of(done) == ["Queued: 2 receipts."]
    assert [fresh(pending).status, fresh(failed).status] == ["sent", "sent"]
    assert len(smtp.messages) == 2

    again = run(staff_client, "/admin/payments/receipt/", "resend", pending.pk)
    assert messages_of(again) == [
        "The receipt of 10.00 USD on invoice INV-RC: the receipt is sent; only pending or failed receipts are sent"
    ]
    assert len(smtp.messages) == 2


def test_cancel_a_payment_link(staff_client, acme, django_capture_on_commit_callbacks):
    invoice, link = invoice_send(ctx=acme.ctx(), invoice_id=acme.invoice("100", number="INV-L").pk)

    with django_capture_on_commit_callbacks(execute=True):
        done = run(staff_client, "/admin/invoices/paymentlink/", "cancel", link.pk)
    assert messages_of(done) == ["Cancellation requested: 1 payment link."]
    assert fresh(link).status == PaymentLink.Status.CANCELED
    assert event("link_cancel_requested", invoice_id=invoice.pk).actor == "staff:alice"

    again = run(staff_client, "/admin/invoices/paymentlink/", "cancel", link.pk)
    assert messages_of(again) == ["The link of invoice INV-L: the link is canceled, not active"]


def test_without_the_change_permission_a_staff_user_only_looks(client, acme):
    viewer = back_office_user("viewer", acme, codenames=("view_invoice", "view_payment"))
    client.force_login(viewer)
    invoice = acme.invoice("100")
    payment = acme.payment("100")

    assert client.get(INVOICES).context["action_form"] is None
    assert b"Apply a payment" not in client.get(f"{INVOICES}{invoice.pk}/change/").content
    # Posting an action anyway is not an action: the list is shown again, nothing changed.
    confirm(client, INVOICES, "void", invoice.pk, reason="no right to")
    confirm(client, PAYMENTS, "apply_to_invoice", payment.pk, invoice=invoice.pk, amount_from="balance")
    assert fresh(invoice).status == Invoice.Status.OPEN
    assert fresh(payment).allocated_amount == 0


def test_a_superuser_acts_on_any_business_in_their_own_name(admin_client, globex):
    invoice = globex.invoice("100")
    done = confirm(admin_client, INVOICES, "void", invoice.pk, reason="test")
    assert messages_of(done) == [f"Voided invoice {invoice.number}."]
    assert event("invoice_voided", invoice_id=invoice.pk).actor == "staff:admin"
