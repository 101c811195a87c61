import os

import pytest
from rest_framework.test import APIClient

from config.celery import app as celery_app
from tests.factories import make_tenant


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
