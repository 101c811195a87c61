"""Fault tests: Redis stopped while payments are posted, a Celery worker killed mid-task, PostgreSQL
connections killed mid-request. Each starts what it breaks (its own redis-server, worker, gunicorn) and
never stops the shared PostgreSQL and Redis services."""

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from decimal import Decimal
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from celery.contrib.testing.worker import start_worker
from django.db import connection
from rest_framework.test import APIClient

from api.models import IdempotencyKey
from config.celery import app as celery_app
from outbox import relay
from payments.models import InvoicePayment, Receipt
from payments.receipts import receipt_send
from tests.factories import make_tenant
from tests.servers import (
    ROOT,
    RedisServer,
    database_url,
    free_port,
    gunicorn,
    paused_backend,
    paused_writes,
    post_json,
    wait_until,
    worker_pids,
)

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]


@contextlib.contextmanager
def celery_broker(url):
    """Points this process's Celery app at `url`, with tasks really queued (not eager)."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager
    conf.broker_url, conf.task_always_eager = url, False
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        yield
    finally:
        conf.broker_url, conf.task_always_eager = saved
        celery_app._pool = None
        celery_app.amqp._producer_pool = None


def _ledger(tenant, count):
    account = tenant.account(email="ap@acme.test")
    invoices = [tenant.invoice("100", account=account) for _ in range(count)]
    payment = tenant.payment(str(10 * count), account=account)
    return invoices, payment


def _apply(client, tenant, invoice, payment, key):
    body = {"Amount": 10, "InvoiceId": invoice.id.hex, "PaymentId": payment.id.hex}
    return client.post(
        "/v1/object/invoice-payment",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {tenant.token}",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_redis_stopped_while_payments_are_posted(smtp, settings):
    redis = RedisServer()
    redis.start()
    settings.REDIS_URL = redis.url  # the rate limiter's storage goes down with it
    settings.API_RATE_LIMIT = "1000/s"
    settings.SIDE_EFFECT_SWEEP_AFTER_SECONDS = 0
    tenant = make_tenant()
    invoices, payment = _ledger(tenant, 6)
    client = APIClient()
    try:
        with celery_broker(redis.url):
            timings = []
            for index, invoice in enumerate(invoices):
                if index == 2:
                    redis.stop()  # and with it the two receipts queued so far (no persistence)
                started = time.monotonic()
                response = _apply(client, tenant, invoice, payment, key=f"outage-{index}")
                timings.append(time.monotonic() - started)
                assert response.status_code == 200, response.content
            print("request seconds with Redis up then down:", [round(t, 3) for t in timings])
            assert max(timings) < 2.0
            assert smtp.messages == []
            redis.start()
            with start_worker(celery_app, perform_ping_check=False, shutdown_timeout=10):
                assert relay.sweep()["receipts"] == 6
                wait_until(
                    lambda: (
                        not Receipt.objects.across_tenants(reason="test").filter(status="pending").exists()
                    ),
                    30,
                    "the sweep to deliver every receipt",
                )
    finally:
        redis.stop()
    assert len(smtp.messages) == 6
    assert len({m["Message-ID"] for m in smtp.messages}) == 6
    assert set(Receipt.objects.across_tenants(reason="test").values_list("status", flat=True)) == {"sent"}


class _HoldingInbox:
    """An SMTP server that holds the first message before accepting it, so a worker can be killed while it
    is sending. A message counts as delivered only once the server says 250 to a client still there."""

    def __init__(self):
        self.messages = []
        self.sending = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        if not self.sending.is_set():
            self.sending.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        if server.transport is None or server.transport.is_closing():
            return "421 client went away"
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@contextlib.contextmanager
def celery_worker_process(redis, smtp_port):
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis.url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "DEBUG": "false",
        "SECRET_KEY": "test-worker",
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield worker
    finally:
        if worker.poll() is None:
            worker.terminate()
            worker.wait(15)


def test_a_celery_worker_killed_mid_task_loses_no_receipt_and_sends_none_twice(settings):
    inbox = _HoldingInbox()
    smtp_port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    redis = RedisServer()
    redis.start()
    settings.SIDE_EFFECT_SWEEP_AFTER_SECONDS = 0
    tenant = make_tenant()
    invoices, payment = _ledger(tenant, 3)
    client = APIClient()
    try:
        with celery_broker(redis.url):
            for index, invoice in enumerate(invoices):
                assert _apply(client, tenant, invoice, payment, key=f"worker-{index}").status_code == 200
            assert relay.relay() == 3  # what beat runs every second
            with celery_worker_process(redis, smtp_port) as worker:
                assert inbox.sending.wait(30), "the worker never started sending"
                worker.send_signal(signal.SIGKILL)  # mid-send: the SMTP server has not accepted the message
                worker.wait(10)
            inbox.release.set()
            assert Receipt.objects.across_tenants(reason="test").filter(status="pending").count() >= 1
            with celery_worker_process(redis, smtp_port):
                relay.sweep()
                wait_until(
                    lambda: (
                        not Receipt.objects.across_tenants(reason="test").filter(status="pending").exists()
                    ),
                    60,
                    "every receipt to be sent after the restart",
                )
            # A late redelivery of the killed task (after the visibility timeout) finds nothing to do.
            for receipt in Receipt.objects.across_tenants(reason="test"):
                assert receipt_send(str(receipt.id)) == "not pending"
    finally:
        redis.stop()
        controller.stop()
    assert len(inbox.messages) == 3
    assert len({m["Message-ID"] for m in inbox.messages}) == 3


def test_postgres_connections_killed_mid_request():
    tenant = make_tenant()
    invoices, payment = _ledger(tenant, 1)
    body = {"Amount": 5, "InvoiceId": invoices[0].id.hex, "PaymentId": payment.id.hex}
    with gunicorn() as (master, base):

        def send():
            return post_json(base, "/v1/object/invoice-payment", tenant.token, body, "pg-kill")

        outcome = []
        # The last statement before the COMMIT, which travels with it (config.postgres).
        with paused_writes("api_idempotencykey", seconds=10, writes="UPDATE"):
            thread = threading.Thread(target=lambda: outcome.append(send()))
            thread.start()
            backend = wait_until(paused_backend, 15, "the request to finish its work")
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [backend])
            thread.join(30)
        status, content = outcome[0]
        assert status == 500
        assert json.loads(content)["Success"] is False  # in the dialect's envelope, not an HTML page
        assert not InvoicePayment.objects.across_tenants(reason="test").exists()
        assert not IdempotencyKey.objects.across_tenants(reason="test").exists()
        payment.refresh_from_db()
        assert payment.allocated_amount == 0
        # The same worker (with a fresh connection) serves the retry, which runs the work exactly once.
        assert len(worker_pids(master)) == 1
        retried = send()
        assert retried[0] == 200, retried
        assert send() == retried
    assert InvoicePayment.objects.across_tenants(reason="test").count() == 1
    payment.refresh_from_db()
    assert payment.allocated_amount == Decimal("5")
