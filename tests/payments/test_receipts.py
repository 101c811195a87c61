import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from config.celery import app as celery_app
from invoices.models import PaymentLink
from outbox import relay
from payments import services
from payments.models import Receipt
from payments.receipts import receipt_send

pytestmark = pytest.mark.django_db
D = Decimal


def test_one_receipt_per_application_with_its_content(tenant, smtp, django_capture_on_commit_callbacks):
    account = tenant.account(email="ap@acme.test", name="Acme Ltd")
    invoice = tenant.invoice("100", account=account, number="INV-42")
    payment = tenant.payment("100", account=account)
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_apply(
            ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=payment.id, amount=D("30.5")
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_apply(
            ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=payment.id, amount=D("69.5")
        )
    assert len(smtp.messages) == 2
    first = smtp.messages[0]
    assert first["To"] == "ap@acme.test"
    assert first["Subject"] == "Receipt: 30.50 USD paid on invoice INV-42"
    text = first.get_body(("plain",)).get_content()
    assert tenant.provisioned.business.name in text
    assert "INV-42" in text and "30.50 USD" in text and "Remaining balance: 69.50 USD" in text
    assert timezone.localdate().isoformat() in text
    assert "Remaining balance: 0.00 USD" in smtp.messages[1].get_body(("plain",)).get_content()
    assert "<td>30.50 USD</td>" in first.get_body(("html",)).get_content()
    receipts = Receipt.objects.for_tenant(tenant.ctx())
    assert [r.status for r in receipts] == ["sent", "sent"]
    assert all(r.message_id.startswith("<receipt-") for r in receipts)


def test_running_the_task_twice_sends_once(tenant, smtp, django_capture_on_commit_callbacks):
    invoice = tenant.invoice("100")
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_apply(
            ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=tenant.payment("10").id, amount=D("10")
        )
    receipt = Receipt.objects.for_tenant(tenant.ctx()).get()
    assert receipt_send(str(receipt.id)) == "not pending"
    assert len(smtp.messages) == 1


def test_no_receipt_when_the_transaction_rolls_back(tenant, smtp, django_capture_on_commit_callbacks):
    invoice = tenant.invoice("100")
    payment = tenant.payment("10")
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.payment_apply(ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=payment.id, amount=D("10"))
        raise RuntimeError("the caller fails after the service")
    assert callbacks == []
    assert smtp.messages == []
    assert not Receipt.objects.for_tenant(tenant.ctx()).exists()


def test_smtp_failure_keeps_the_receipt_pending_with_its_error(
    tenant, settings, django_capture_on_commit_callbacks
):
    from tests.servers import free_port

    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 2},
        }
    }
    invoice = tenant.invoice("100")
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_apply(
            ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=tenant.payment("10").id, amount=D("10")
        )
    receipt = Receipt.objects.for_tenant(tenant.ctx()).get()
    assert (receipt.status, receipt.attempts) == ("pending", 1)
    assert "Connection" in receipt.last_error or "refused" in receipt.last_error


def test_broker_down_at_commit_time_delays_but_never_loses_a_receipt(
    tenant, smtp, django_capture_on_commit_callbacks
):
    """A payment never publishes to the broker (the relay does): a dead Redis costs it nothing, and the
    sweep delivers the receipt later."""
    from tests.servers import free_port

    invoice = tenant.invoice("100")
    payment = tenant.payment("100")
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager
    conf.broker_url, conf.task_always_eager = f"redis://127.0.0.1:{free_port()}/0", False
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            services.payment_apply(
                ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=payment.id, amount=D("100")
            )
        elapsed = time.monotonic() - started
    finally:
        conf.broker_url, conf.task_always_eager = saved
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
    print(f"publish with the broker down took {elapsed:.3f}s")
    assert elapsed < 1.5, f"a broker outage slowed the payment by {elapsed:.2f}s"
    receipt = Receipt.objects.for_tenant(tenant.ctx()).get()
    link_pending = PaymentLink.objects.for_tenant(tenant.ctx()).exists()
    assert receipt.status == "pending" and smtp.messages == [] and not link_pending
    # A minute later the beat's sweep finds it and the (now reachable) broker delivers it.
    Receipt.objects.across_tenants(reason="test").filter(pk=receipt.pk).update(
        updated_at=timezone.now() - timedelta(minutes=2)
    )
    assert relay.sweep() == {"receipts": 1, "links": 0, "notices": 0}
    receipt.refresh_from_db()
    assert receipt.status == "sent" and len(smtp.messages) == 1


def test_the_sweep_leaves_fresh_work_to_its_own_task(tenant, smtp):
    invoice = tenant.invoice("100")
    services.payment_apply(
        ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=tenant.payment("10").id, amount=D("10")
    )
    assert relay.sweep() == {"receipts": 0, "links": 0, "notices": 0}


def test_no_email_address_means_no_receipt_to_send(tenant, smtp, django_capture_on_commit_callbacks):
    account = tenant.account(email="")
    invoice = tenant.invoice("100", account=account)
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_apply(
            ctx=tenant.ctx(),
            invoice_id=invoice.id,
            payment_id=tenant.payment("10", account=account).id,
            amount=D("10"),
        )
    assert Receipt.objects.for_tenant(tenant.ctx()).get().status == "skipped"
    assert smtp.messages == []


def test_removing_an_application_cancels_its_unsent_receipt(tenant):
    invoice = tenant.invoice("100")
    application = services.payment_apply(
        ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=tenant.payment("10").id, amount=D("10")
    )
    services.payment_unapply(ctx=tenant.ctx(), invoice_payment_id=application.id)
    assert Receipt.objects.for_tenant(tenant.ctx()).get().status == "canceled"


# --- the relay ------------------------------------------------------------------------------------------


def test_a_payment_leaves_its_receipt_to_the_relay_which_queues_it_once(tenant, smtp):
    celery_app.conf.task_always_eager = (
        False  # as with a broker: no relay at commit (the fixture restores it)
    )
    invoice = tenant.invoice("100")
    services.payment_apply(
        ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=tenant.payment("10").id, amount=D("10")
    )
    receipt = Receipt.objects.for_tenant(tenant.ctx()).get()
    assert (receipt.status, receipt.queued_at) == ("pending", None)
    celery_app.conf.task_always_eager = True  # the task runs here instead of in a worker
    assert relay.relay() == 1
    receipt.refresh_from_db()
    assert receipt.status == "sent" and receipt.queued_at is not None
    assert relay.relay() == 0
    assert len(smtp.messages) == 1


@pytest.mark.django_db(transaction=True)
def test_the_relay_skips_a_receipt_another_relay_holds(smtp):
    import psycopg
    from django.db import connection

    from tests.factories import make_tenant

    tenant = make_tenant()
    celery_app.conf.task_always_eager = False
    invoice = tenant.invoice("100")
    services.payment_apply(
        ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=tenant.payment("10").id, amount=D("10")
    )
    celery_app.conf.task_always_eager = True
    receipt = Receipt.objects.for_tenant(tenant.ctx()).get()
    with psycopg.connect(**connection.get_connection_params()) as other:
        other.execute("SELECT 1 FROM payments_receipt WHERE id = %s FOR UPDATE", [receipt.id])
        assert relay.relay() == 0
    assert relay.relay() == 1
    assert len(smtp.messages) == 1


def test_a_sent_receipt_is_corrected_when_its_money_is_unapplied_or_refunded(
    tenant, smtp, django_capture_on_commit_callbacks
):
    account = tenant.account(email="ap@acme.test", name="Acme Ltd")
    invoice = tenant.invoice("100", account=account, number="INV-C")
    payment = tenant.payment("100", account=account)
    ctx = tenant.ctx()
    with django_capture_on_commit_callbacks(execute=True):
        refunded = services.payment_apply(ctx=ctx, invoice_id=invoice.id, payment_id=payment.id, amount=D(60))
    with django_capture_on_commit_callbacks(execute=True):
        removed = services.payment_apply(ctx=ctx, invoice_id=invoice.id, payment_id=payment.id, amount=D(25))
    assert len(smtp.messages) == 2

    with django_capture_on_commit_callbacks(execute=True):
        services.payment_unapply(ctx=ctx, invoice_payment_id=removed.id, reason="applied twice")
    with django_capture_on_commit_callbacks(execute=True):
        services.refund_create(
            ctx=ctx,
            payment_id=payment.id,
            amount=D(10),
            parts=[services.RefundPart(invoice.id, D(10))],
            reason="goodwill",
        )

    assert [m["Subject"] for m in smtp.messages[2:]] == [
        "Correction: 25.00 USD no longer applied to invoice INV-C",
        "Correction: 10.00 USD refunded on invoice INV-C",
    ]
    unapplied_text = smtp.messages[2].get_body(("plain",)).get_content()
    assert "Remaining balance: 40.00 USD" in unapplied_text and "no longer applied" in unapplied_text
    assert "Remaining balance: 50.00 USD" in smtp.messages[3].get_body(("plain",)).get_content()
    corrections = Receipt.objects.for_tenant(ctx).exclude(kind=Receipt.Kind.RECEIPT).order_by("created_at")
    assert [(c.kind, c.amount, c.status, c.to_email) for c in corrections] == [
        ("unapplied", D(25), "sent", "ap@acme.test"),
        ("refunded", D(10), "sent", "ap@acme.test"),
    ]
    assert corrections[1].corrects == Receipt.objects.for_tenant(ctx).get(invoice_payment=refunded)


def test_a_receipt_not_sent_yet_is_canceled_by_an_unapply_with_no_correction(tenant):
    # The test's transaction never commits: the receipt stays pending, and the unapply cancels it.
    account = tenant.account(email="ap@acme.test")
    invoice = tenant.invoice("100", account=account)
    ctx = tenant.ctx()
    application = services.payment_apply(
        ctx=ctx, invoice_id=invoice.id, payment_id=tenant.payment("100").id, amount=D(40)
    )
    services.payment_unapply(ctx=ctx, invoice_payment_id=application.id)
    assert [(r.kind, r.status) for r in Receipt.objects.for_tenant(ctx)] == [("receipt", "canceled")]
