import os
import threading
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from rest_framework.test import APIClient

from config.celery import app as celery_app
from tests.factories import make_tenant
from tests.servers import free_port


@pytest.fixture(autouse=True)
def no_rate_limits(settings):
    """Rate limits are off unless a test turns them on (tests/api/test_http_edge.py does)."""
    settings.API_RATE_LIMIT = "0"
    settings.TOKEN_RATE_LIMIT = "0"
    settings.INVOICE_EMAIL_RATE_LIMIT = "0"


@pytest.fixture(autouse=True)
def celery_eager():
    """Tasks run in-process unless a test asks for a real worker (see tests needing `redis_url`)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def tenant(db):
    return make_tenant()


@pytest.fixture
def other_tenant(db):
    return make_tenant()


@pytest.fixture
def redis_url():
    """Tests that need a real Redis: skipped, visibly, when REDIS_URL is unset (CI sets it and forbids skips)."""
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL is unset: this test needs a real Redis server")
    return url


class _Inbox:
    def __init__(self):
        self.messages = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(settings):
    """A real SMTP server on localhost (aiosmtpd); Django's default mailer sends to it."""
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 5},
        }
    }
    yield inbox
    controller.stop()
