"""A web worker killed between the work and the response: the retry with the same Idempotency-Key
produces exactly one payment. Runs the real service under gunicorn against the test database."""

import json
import os
import signal
import threading
import time
import urllib.error
import urllib.request

import pytest
from django.db import connection

from api.models import IdempotencyKey
from payments.models import InvoicePayment
from tests.factories import make_tenant
from tests.servers import gunicorn, worker_pids

pytestmark = pytest.mark.django_db(transaction=True)

PAUSE = """
CREATE FUNCTION test_pause_idempotency_completion() RETURNS trigger AS $$
BEGIN PERFORM pg_sleep(4); RETURN NEW; END; $$ LANGUAGE plpgsql;
CREATE TRIGGER test_pause_idempotency_completion BEFORE UPDATE ON api_idempotencykey
    FOR EACH ROW EXECUTE FUNCTION test_pause_idempotency_completion();
"""
UNPAUSE = """
DROP TRIGGER IF EXISTS test_pause_idempotency_completion ON api_idempotencykey;
DROP FUNCTION IF EXISTS test_pause_idempotency_completion();
"""


@pytest.fixture
def server():
    with gunicorn() as running:
        yield running


def _post(base, tenant, body, key):
    request = urllib.request.Request(
        f"{base}/v1/object/invoice-payment",
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Authorization": f"Bearer {tenant.token}",
            "Content-Type": "application/json",
            "Idempotency-Key": key,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _paused_backend():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND query LIKE 'UPDATE %%'"
        )
        row = cursor.fetchone()
    return row[0] if row else None


def test_a_worker_killed_after_the_work_then_a_retry_makes_exactly_one_payment(server):
    master, base = server
    tenant = make_tenant()
    account = tenant.account()
    invoice, payment = tenant.invoice("100", account=account), tenant.payment("100", account=account)
    body = {"Amount": 25, "InvoiceId": invoice.id.hex, "PaymentId": payment.id.hex}
    with connection.cursor() as cursor:
        cursor.execute(PAUSE)
    try:
        outcome = []

        def send_and_lose_the_answer():
            try:
                outcome.append(_post(base, tenant, body, "crash-1"))
            except OSError as exc:  # the worker died mid-request
                outcome.append(exc)

        first = threading.Thread(target=send_and_lose_the_answer, daemon=True)
        first.start()
        deadline = time.monotonic() + 10
        while (backend := _paused_backend()) is None:
            assert time.monotonic() < deadline, "the request never reached the end of its work"
            time.sleep(0.05)
        # The payment is applied inside the worker's open transaction; kill the worker before it answers.
        for pid in worker_pids(master):
            os.kill(pid, signal.SIGKILL)
        while _paused_backend() == backend:
            time.sleep(0.1)
        first.join(10)
        assert isinstance(outcome[0], OSError), "the killed request must not have been answered"
    finally:
        with connection.cursor() as cursor:
            cursor.execute(UNPAUSE)
    assert not InvoicePayment.objects.for_tenant(tenant.ctx()).exists()
    assert not IdempotencyKey.objects.unscoped().filter(key="crash-1").exists()
    deadline = time.monotonic() + 15
    while not worker_pids(master):  # gunicorn's master starts a new worker
        assert time.monotonic() < deadline
        time.sleep(0.1)
    retried = _post(base, tenant, body, "crash-1")
    replayed = _post(base, tenant, body, "crash-1")
    assert retried[0] == 200 and replayed == retried
    assert InvoicePayment.objects.for_tenant(tenant.ctx()).count() == 1
    payment.refresh_from_db()
    assert payment.allocated_amount == 25
