"""The side effects of a Moov invoice through a real Celery worker consuming from Redis, queued by the
outbox relay: the invoice email on send, then the link cancellation and the receipt after an external
payment."""

import time

import pytest
from celery.contrib.testing.worker import start_worker

from config.celery import app as celery_app
from invoices.models import InvoiceNotice, PaymentLink
from outbox.relay import relay_task
from payments.models import Receipt
from tests.api.moov.helpers import client_for, invoice_body, invoices_path

TIMEOUT_SECONDS = 20


def _wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"the worker did not {what} within {TIMEOUT_SECONDS}s")
        time.sleep(0.1)


@pytest.mark.django_db(transaction=True)
def test_send_and_external_payment_through_a_real_worker(redis_url, tenant, smtp):
    celery_app.conf.task_always_eager = False  # the autouse celery_eager fixture restores it
    account = tenant.account(email="ap@acme.test", name="Acme Ltd")
    moov = client_for(tenant)
    with start_worker(celery_app, perform_ping_check=False):
        created = moov.post(
            invoices_path(account), invoice_body(account, "120.00", invoiceNumber="INV-W"), format="json"
        ).json()
        sent = moov.patch(invoices_path(account, created["invoiceID"]), {"status": "unpaid"}, format="json")
        assert sent.status_code == 200, sent.content
        relay_task.delay()  # what beat sends every second
        _wait_for(lambda: len(smtp.messages) == 1, "email the invoice")
        link = PaymentLink.objects.for_tenant(tenant.ctx()).get()
        assert link.status == "active"

        paid = moov.post(
            invoices_path(account, created["invoiceID"], "/payments"),
            {"amount": {"currency": "USD", "valueDecimal": "120.00"}, "foreignID": "EXT-1"},
            format="json",
        )
        assert paid.status_code == 200, paid.content
        relay_task.delay()  # what beat sends every second

        def link_canceled_and_receipt_sent():
            link.refresh_from_db()
            return link.status == "canceled" and len(smtp.messages) == 2

        _wait_for(link_canceled_and_receipt_sent, "cancel the link and send the receipt")

    notice, receipt = smtp.messages
    assert notice["Subject"] == f"Invoice INV-W from {tenant.provisioned.business.name}: 120.00 USD due"
    assert sent.json()["paymentLinkURL"] in notice.get_body(("plain",)).get_content()
    assert receipt["Subject"] == "Receipt: 120.00 USD paid on invoice INV-W"
    assert "Remaining balance: 0.00 USD" in receipt.get_body(("plain",)).get_content()
    assert InvoiceNotice.objects.for_tenant(tenant.ctx()).get().status == "sent"
    assert Receipt.objects.for_tenant(tenant.ctx()).get().status == "sent"
    assert link.canceled_at is not None
    page = moov.get(f"/pay/{link.code}").content.decode()
    assert "no longer active" in page and "The invoice is paid." in page
