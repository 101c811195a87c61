"""A clerk's work through the admin's own pages: record a payment received, create an invoice with its
lines, edit a draft, send. Each page makes its service calls as the staff user, and offers and accepts
only the rows of their businesses."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.contrib.messages import get_messages

from invoices.models import Invoice, InvoiceNotice
from ledger.models import LedgerEvent
from payments.models import Payment
from payments.roles import BACK_OFFICE
from tests.admin.conftest import back_office_user

pytestmark = pytest.mark.django_db
D = Decimal
RECORD = "/admin/payments/payment/record/"
NEW_INVOICE = "/admin/invoices/invoice/new/"


def messages_of(response) -> list[str]:
    return [m.message for m in get_messages(response.wsgi_request)]


def rows(model, **lookup):
    return model.objects.across_tenants(reason="test").filter(**lookup)


def lines(*triples) -> dict:
    data = {"form-TOTAL_FORMS": "3", "form-INITIAL_FORMS": "0"}
    for i, (name, quantity, price) in enumerate(triples):
        data |= {f"form-{i}-name": name, f"form-{i}-quantity": quantity, f"form-{i}-unit_price": price}
    return data


def test_record_a_wire_and_apply_it_in_the_same_step(staff_client, acme, globex):
    account = acme.account(email="", name="Road Runner")
    invoice = acme.invoice("100", account=account, number="INV-W")
    theirs = globex.account(email="", name="Wile Coyote")

    page = staff_client.get(RECORD)
    assert page.status_code == 200
    assert list(page.context["form"].fields["account"].queryset) == [account]
    assert b"Record a payment received" in page.content

    sneaky = staff_client.post(
        RECORD, {"account": theirs.pk, "method": "wire", "amount": "5", "received_on": "2026-12-01"}
    )
    assert "account" in sneaky.context["form"].errors
    assert not rows(Payment, business_id=globex.business_id).exists()

    done = staff_client.post(
        RECORD,
        {
            "account": account.pk,
            "method": "wire",
            "amount": "150",
            "received_on": "2026-12-01",
            "reference": "WIRE-ACME",
            "counterparty": "First Bank of Acme",
            "description": "December wire",
            "invoice": invoice.pk,
        },
        follow=True,
    )
    payment = rows(Payment).get(reference="WIRE-ACME")
    assert done.redirect_chain == [(f"/admin/payments/payment/{payment.pk}/change/", 302)]
    assert messages_of(done) == [
        "Recorded payment WIRE-ACME · First Bank of Acme · 150.00 USD on 2026-12-01. "
        "Applied 100.00 USD to invoice INV-W."
    ]
    assert (payment.method, payment.counterparty, payment.created_by) == (
        "wire",
        "First Bank of Acme",
        "staff:alice",
    )
    assert payment.occurred_at.date().isoformat() == "2026-12-01"
    assert payment.unallocated_amount == D(50)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert {e.actor for e in rows(LedgerEvent, payment_id=payment.pk)} == {"staff:alice"}


def test_record_a_cheque_refused_by_a_rule_keeps_the_form_and_records_nothing(staff_client, acme):
    account = acme.account(email="")
    invoice = acme.invoice("100", account=account)
    refused = staff_client.post(
        RECORD,
        {
            "account": account.pk,
            "method": "cheque",
            "amount": "50",
            "received_on": "2026-12-01",
            "invoice": invoice.pk,
            "apply_amount": "60",
        },
    )
    assert refused.status_code == 200
    assert "the amount exceeds the payment&#x27;s unallocated 50" in refused.content.decode()
    assert not rows(Payment, business_id=acme.business_id).exists()


def test_create_an_invoice_with_lines_and_send_it(staff_client, acme, globex):
    account = acme.account(email="ap@acme.test", name="Road Runner")
    theirs = globex.account(email="", name="Wile Coyote")

    assert staff_client.get(NEW_INVOICE).status_code == 200
    sneaky = staff_client.post(NEW_INVOICE, {"account": theirs.pk, "then": "draft", **lines(("x", "1", "1"))})
    assert "account" in sneaky.context["form"].errors

    empty = staff_client.post(NEW_INVOICE, {"account": account.pk, "then": "draft", **lines()})
    assert "an invoice needs at least one line" in empty.content.decode()

    done = staff_client.post(
        NEW_INVOICE,
        {
            "account": account.pk,
            "due_date": "2027-01-15",
            "then": "send",
            **lines(("Anvils", "3", "20.50"), ("Rocket skates", "1", "40")),
        },
        follow=True,
    )
    invoice = rows(Invoice).get(business_id=acme.business_id)
    assert done.redirect_chain == [(f"/admin/invoices/invoice/{invoice.pk}/change/", 302)]
    assert messages_of(done) == [f"Invoice {invoice.number} of 101.50 USD sent."]
    assert (invoice.amount, invoice.status, str(invoice.due_date)) == (D("101.5"), "open", "2027-01-15")
    assert invoice.sent_at is not None
    assert [(line.name, line.quantity) for line in invoice.lines.all()] == [
        ("Anvils", 3),
        ("Rocket skates", 1),
    ]
    assert rows(InvoiceNotice, invoice=invoice).count() == 1
    assert [e.actor for e in rows(LedgerEvent, invoice_id=invoice.pk, kind="invoice_sent")] == ["staff:alice"]


def test_edit_a_draft_then_open_it_and_only_a_draft(staff_client, acme, globex):
    account = acme.account(email="")
    draft = acme.invoice("10", account=account, status="draft", number="INV-D")
    opened = acme.invoice("10", account=account, number="INV-O")
    theirs = globex.invoice("10", status="draft")
    edit = f"/admin/invoices/invoice/{draft.pk}/edit/"

    page = staff_client.get(f"/admin/invoices/invoice/{draft.pk}/change/")
    assert edit in page.content.decode()
    form = staff_client.get(edit)
    assert form.context["formset"].forms[0]["unit_price"].value() == "10.00"

    done = staff_client.post(
        edit, {"account": account.pk, "description": "Fixed", "then": "open", **lines(("Anvil", "2", "30"))}
    )
    assert done.status_code == 302
    draft.refresh_from_db()
    assert (draft.amount, draft.status, draft.description) == (D(60), "open", "Fixed")
    kinds = [e.kind for e in rows(LedgerEvent, invoice_id=draft.pk).order_by("id")]
    assert kinds == ["invoice_updated", "invoice_finalized"]

    not_draft = staff_client.get(f"/admin/invoices/invoice/{opened.pk}/edit/", follow=True)
    assert messages_of(not_draft)[-1] == "Invoice INV-O is open: only a draft is edited here."
    absent = staff_client.get(f"/admin/invoices/invoice/{theirs.pk}/edit/", follow=True)
    assert absent.redirect_chain == [("/admin/", 302)]


def test_send_invoices_from_the_list(staff_client, acme, globex):
    mine = acme.invoice("10", status="draft", number="INV-S")
    theirs = globex.invoice("10", status="draft")
    done = staff_client.post(
        "/admin/invoices/invoice/",
        {"action": "send", "_selected_action": [str(mine.pk), str(theirs.pk)], "index": "0"},
        follow=True,
    )
    assert messages_of(done) == ["Sent: 1 invoice."]
    assert rows(Invoice, pk=mine.pk).get().sent_at is not None
    assert rows(Invoice, pk=theirs.pk).get().sent_at is None


def test_a_viewer_cannot_open_the_work_pages(client, acme):
    client.force_login(back_office_user("viewer", acme, codenames=("view_invoice", "view_payment")))
    assert client.get(RECORD).status_code == 403
    assert client.get(NEW_INVOICE).status_code == 403
    assert b"Record a payment received" not in client.get("/admin/payments/payment/").content


def test_the_staff_picker_lists_staff_and_assigning_one_gives_the_group(admin_client, acme):
    clerk = User.objects.create_user("sam", is_staff=True)
    User.objects.create_user("customer")
    page = admin_client.get(f"/admin/tenants/business/{acme.business_id}/change/")
    staff_choices = page.context["adminform"].form.fields["staff"].queryset
    assert set(staff_choices.values_list("username", flat=True)) == {"sam", "admin"}

    done = admin_client.post(
        f"/admin/tenants/business/{acme.business_id}/change/",
        {"name": "Acme", "currency": "USD", "staff": [clerk.pk]},
    )
    assert done.status_code == 302
    assert clerk.groups.filter(name=BACK_OFFICE).exists()
    assert Group.objects.get(name=BACK_OFFICE).user_set.get() == clerk


def test_a_payment_is_applied_only_to_an_invoice_of_its_own_account(staff_client, acme):
    payer, other = acme.account(email="", name="Road Runner"), acme.account(email="", name="Acme Corp")
    invoice = acme.invoice("100", account=other, number="INV-O")
    refused = staff_client.post(
        RECORD,
        {
            "account": payer.pk,
            "method": "wire",
            "amount": "50",
            "received_on": "2026-12-01",
            "invoice": invoice.pk,
        },
    )
    assert refused.context["form"].errors["invoice"] == ["Invoice INV-O is not one of Road Runner's."]
    assert not rows(Payment, business_id=acme.business_id).exists()
