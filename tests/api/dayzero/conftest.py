import pytest

from tests.api.dayzero.helpers import client_for


@pytest.fixture
def dz(tenant):
    return client_for(tenant)
