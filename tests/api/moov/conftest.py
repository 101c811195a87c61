import pytest

from tests.api.moov.helpers import client_for


@pytest.fixture
def moov(tenant):
    return client_for(tenant)


@pytest.fixture
def account(tenant):
    return tenant.account(email="ap@acme.test", name="Acme Ltd")
