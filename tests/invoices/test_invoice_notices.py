"""The email that sends an invoice: a row with the send, delivered once, re-queued by the sweep."""

from contextlib import nullcontext
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from invoices import services as invoice_services
from invoices.links import link_url
from invoices.models import InvoiceNotice
from invoices.notices import invoice_notice_send
from outbox import relay
from payments import services
from tests.servers import free_port

pytestmark = pytest.mark.django_db
D = Decimal


def _send(tenant, on_commit=None, *, email="ap@acme.test", **invoice_fields):
    """Sends a new invoice; its email goes out now if given django_capture_on_commit_callbacks."""
    account = tenant.account(email=email, name="Acme Ltd")
    invoice = tenant.invoice("99.90", account=account, status="draft", **invoice_fields)
    with on_commit(execute=True) if on_commit else nullcontext():
        return invoice_services.invoice_send(ctx=tenant.ctx(), invoice_id=invoice.id)


def _notice(tenant):
    return InvoiceNotice.objects.for_tenant(tenant.ctx()).get()


def test_the_email_carries_the_invoice_and_its_link(tenant, smtp, django_capture_on_commit_callbacks):
    invoice, link = _send(
        tenant,
        django_capture_on_commit_callbacks,
        number="INV-9",
        description="Website hosting, March",
        due_date=timezone.localdate() + timedelta(days=30),
    )
    [message] = smtp.messages
    business = tenant.provisioned.business.name
    assert message["To"] == "ap@acme.test"
    assert message["Subject"] == f"Invoice INV-9 from {business}: 99.90 USD due"
    text = message.get_body(("plain",)).get_content()
    assert "Hello Acme Ltd," in text and "Website hosting, March" in text
    assert "Amount due:  99.90 USD" in text
    assert f"Due date:    {invoice.due_date.isoformat()}" in text
    assert f"Pay it here: {link_url(link)}" in text
    html = message.get_body(("html",)).get_content()
    assert f'<a href="{link_url(link)}">Pay invoice INV-9</a>' in html
    notice = _notice(tenant)
    assert (notice.status, notice.attempts, notice.payment_link_id) == ("sent", 1, link.id)
    assert (
        message["Message-ID"].strip() == notice.message_id == f"<invoice-{notice.id}@invoice-payments.local>"
    )


def test_running_the_task_twice_sends_once(tenant, smtp, django_capture_on_commit_callbacks):
    _send(tenant, django_capture_on_commit_callbacks)
    assert invoice_notice_send(str(_notice(tenant).id)) == "not pending"
    assert len(smtp.messages) == 1


def test_no_email_address_means_nothing_to_send(tenant, smtp, django_capture_on_commit_callbacks):
    _send(tenant, django_capture_on_commit_callbacks, email="")
    assert _notice(tenant).status == "skipped"
    assert smtp.messages == []


def test_no_email_when_the_send_rolls_back(tenant, smtp, django_capture_on_commit_callbacks):
    invoice = tenant.invoice("10", status="draft")
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        invoice_services.invoice_send(ctx=tenant.ctx(), invoice_id=invoice.id)
        raise RuntimeError("the caller fails after the service")
    assert callbacks == [] and smtp.messages == []
    assert not InvoiceNotice.objects.for_tenant(tenant.ctx()).exists()


def test_a_link_that_can_no_longer_be_paid_is_not_emailed(tenant, smtp):
    invoice, _ = _send(tenant)  # its task has not run yet
    invoice_services.invoice_void(ctx=tenant.ctx(), invoice_id=invoice.id)
    assert invoice_notice_send(str(_notice(tenant).id)) == "canceled"
    assert _notice(tenant).status == "canceled"
    assert smtp.messages == []


def test_an_smtp_failure_keeps_the_notice_pending_and_the_sweep_delivers_it(
    tenant, smtp, settings, django_capture_on_commit_callbacks
):
    working = settings.MAILERS
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 2},
        }
    }
    _send(tenant, django_capture_on_commit_callbacks)
    notice = _notice(tenant)
    assert (notice.status, notice.attempts) == ("pending", 1)
    assert notice.last_error
    assert relay.sweep() == {"receipts": 0, "links": 0, "notices": 0}
    settings.MAILERS = working
    InvoiceNotice.objects.across_tenants(reason="test").filter(pk=notice.pk).update(
        updated_at=timezone.now() - timedelta(minutes=2)
    )
    assert relay.sweep() == {"receipts": 0, "links": 0, "notices": 1}
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == ("sent", 2)
    assert len(smtp.messages) == 1


def test_the_notice_gives_up_after_its_last_attempt(tenant, settings, django_capture_on_commit_callbacks):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 2},
        }
    }
    _send(tenant, django_capture_on_commit_callbacks)
    notice = _notice(tenant)
    InvoiceNotice.objects.across_tenants(reason="test").filter(pk=notice.pk).update(
        attempts=InvoiceNotice.MAX_ATTEMPTS - 1
    )
    assert invoice_notice_send(str(notice.pk)) == "failed"
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == ("failed", InvoiceNotice.MAX_ATTEMPTS)


def test_the_email_states_what_is_due_when_it_leaves(tenant, smtp):
    invoice, _ = _send(tenant)  # its task has not run yet
    payment = tenant.payment("9.90", account=invoice.account)
    services.payment_apply(ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=payment.id, amount=D("9.90"))
    assert invoice_notice_send(str(_notice(tenant).id)) == "sent"
    invoice_email = next(m for m in smtp.messages if m["Subject"].startswith("Invoice"))
    assert "Amount due:  90.00 USD" in invoice_email.get_body(("plain",)).get_content()
