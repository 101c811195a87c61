"""A web worker killed between the work and the response: the retry with the same Idempotency-Key
produces exactly one payment, whether the worker died before its COMMIT left or after. Runs the real
service under gunicorn against the test database."""

import os
import signal
import threading
from contextlib import contextmanager

import pytest
from django.db import connection, transaction

from api.models import IdempotencyKey
from payments.models import InvoicePayment, Payment
from tests.factories import make_tenant
from tests.servers import gunicorn, paused_backend, paused_writes, post_json, wait_until, worker_pids

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def server():
    with gunicorn() as running:
        yield running


def _killed_while_paused(server, table: str, writes: str):
    """_killed(), the request held by a sleep in every statement that `writes` a row of `table`."""
    return _killed(server, lambda payment: paused_writes(table, seconds=4, writes=writes), paused_backend)


@contextmanager
def _payment_locked(payment):
    """The payment's row locked by this test's own transaction: a request claims its key, then waits."""
    with transaction.atomic():
        Payment.objects.across_tenants(reason="test").select_for_update().get(pk=payment.pk)
        yield


def _gone(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is None


def _killed(server, pause, paused):
    """Posts a payment, kills every worker while `pause(payment)` holds its request where `paused()` finds
    its PostgreSQL backend, and returns the tenant, the payment and the request's send() for the retry."""
    master, base = server
    tenant = make_tenant()
    account = tenant.account()
    invoice, payment = tenant.invoice("100", account=account), tenant.payment("100", account=account)
    body = {"Amount": 25, "InvoiceId": invoice.id.hex, "PaymentId": payment.id.hex}

    def send(key="crash-1"):
        return post_json(base, "/v1/object/invoice-payment", tenant.token, body, key)

    outcome = []

    def send_and_lose_the_answer():
        try:
            outcome.append(send())
        except OSError as exc:  # the worker died mid-request
            outcome.append(exc)

    with pause(payment):
        first = threading.Thread(target=send_and_lose_the_answer, daemon=True)
        first.start()
        backend = wait_until(paused, 10, "the request to pause")
        for pid in worker_pids(master):
            os.kill(pid, signal.SIGKILL)
        first.join(10)
    wait_until(lambda: _gone(backend), 15, "PostgreSQL to end the dead worker's transaction")
    assert isinstance(outcome[0], OSError), "the killed request must not have been answered"
    wait_until(lambda: worker_pids(master), 15, "gunicorn's master to start a new worker")
    return tenant, payment, send


def test_a_worker_killed_in_the_middle_of_the_work_leaves_nothing_and_the_retry_pays_once(server):
    # Its key claimed, the request waits for the payment's lock; its write would go with the COMMIT.
    tenant, payment, send = _killed(
        server, _payment_locked, lambda: paused_backend("wait_event_type = 'Lock'")
    )
    assert not InvoicePayment.objects.for_tenant(tenant.ctx()).exists()
    assert not IdempotencyKey.objects.across_tenants(reason="test").filter(key="crash-1").exists()
    retried = send()
    assert retried[0] == 200 and send() == retried
    assert InvoicePayment.objects.for_tenant(tenant.ctx()).count() == 1
    payment.refresh_from_db()
    assert payment.allocated_amount == 25


@pytest.mark.parametrize(
    ("table", "writes"), [("payments_invoicepayment", "INSERT"), ("api_idempotencykey", "UPDATE")]
)
def test_a_worker_killed_with_its_commit_sent_commits_the_work_and_its_answer_together(server, table, writes):
    """The ledger's write and the key's answer are sent in the round trip of the COMMIT: once they have
    left, PostgreSQL commits them even though the worker is gone, and the retry replays that answer."""
    tenant, payment, send = _killed_while_paused(server, table, writes)
    assert InvoicePayment.objects.for_tenant(tenant.ctx()).count() == 1
    saved = IdempotencyKey.objects.across_tenants(reason="test").get(key="crash-1")
    assert saved.status_code == 200 and saved.completed_at is not None
    retried = send()
    assert retried == (200, bytes(saved.response_body))
    assert InvoicePayment.objects.for_tenant(tenant.ctx()).count() == 1
    payment.refresh_from_db()
    assert payment.allocated_amount == 25
