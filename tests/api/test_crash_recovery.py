"""A web worker killed between the work and the response: the retry with the same Idempotency-Key
produces exactly one payment. Runs the real service under gunicorn against the test database."""

import os
import signal
import threading

import pytest

from api.models import IdempotencyKey
from payments.models import InvoicePayment
from tests.factories import make_tenant
from tests.servers import gunicorn, paused_backend, paused_key_completion, post_json, wait_until, worker_pids

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def server():
    with gunicorn() as running:
        yield running


def test_a_worker_killed_after_the_work_then_a_retry_makes_exactly_one_payment(server):
    master, base = server
    tenant = make_tenant()
    account = tenant.account()
    invoice, payment = tenant.invoice("100", account=account), tenant.payment("100", account=account)
    body = {"Amount": 25, "InvoiceId": invoice.id.hex, "PaymentId": payment.id.hex}

    def send(key):
        return post_json(base, "/v1/object/invoice-payment", tenant.token, body, key)

    outcome = []

    def send_and_lose_the_answer():
        try:
            outcome.append(send("crash-1"))
        except OSError as exc:  # the worker died mid-request
            outcome.append(exc)

    with paused_key_completion(seconds=4):
        first = threading.Thread(target=send_and_lose_the_answer, daemon=True)
        first.start()
        backend = wait_until(paused_backend, 10, "the request to reach the end of its work")
        # The payment is applied inside the worker's open transaction; kill the worker before it answers.
        for pid in worker_pids(master):
            os.kill(pid, signal.SIGKILL)
        wait_until(lambda: paused_backend() != backend, 15, "PostgreSQL to end the dead worker's transaction")
        first.join(10)
    assert isinstance(outcome[0], OSError), "the killed request must not have been answered"
    assert not InvoicePayment.objects.for_tenant(tenant.ctx()).exists()
    assert not IdempotencyKey.objects.unscoped().filter(key="crash-1").exists()
    wait_until(lambda: worker_pids(master), 15, "gunicorn's master to start a new worker")
    retried = send("crash-1")
    assert retried[0] == 200 and send("crash-1") == retried
    assert InvoicePayment.objects.for_tenant(tenant.ctx()).count() == 1
    payment.refresh_from_db()
    assert payment.allocated_amount == 25
