import pytest

from tests.api.moov.helpers import client_for
from tests.api.moov.sdk_client import basic_client, bearer_client
from tests.factories import make_tenant


@pytest.fixture
def moov(tenant):
    return client_for(tenant)


@pytest.fixture
def account(tenant):
    return tenant.account(email="ap@acme.test", name="Acme Ltd")


# --- The SDK contract suite (test_sdk_contract*.py): moovio-sdk's own client against a live server. ---


@pytest.fixture
def short_db_connections(settings):
    """The live server answers each request in a thread of its own: with CONN_MAX_AGE 0 each thread closes
    its PostgreSQL connection when its request ends, so the test database can be dropped at teardown."""
    database = settings.DATABASES["default"]
    previous = database["CONN_MAX_AGE"]
    # The connections read this very dict; `settings` restores attributes, not items, so this fixture does.
    database["CONN_MAX_AGE"] = 0
    yield
    database["CONN_MAX_AGE"] = previous


@pytest.fixture
def moov_url(short_db_connections, live_server) -> str:
    return live_server.url


@pytest.fixture
def business(moov_url):
    """One business with two merchants (entities), its client granted both."""
    return make_tenant(entities=2)


@pytest.fixture
def merchant(business):
    """The merchant most calls act for: the path's account."""
    return str(business.entity_ids[0])


@pytest.fixture
def customer(business, merchant):
    """A billing account of the merchant: the invoices' customerAccountID."""
    return business.account(entity_id=merchant, email="ap@acme.test", name="Acme Ltd")


@pytest.fixture
def sdk(business, moov_url):
    """The SDK with its own security (HTTP Basic). Closed after the test: a kept-alive connection would keep
    a server thread waiting."""
    with basic_client(business, moov_url) as client:
        yield client


@pytest.fixture
def sdk_bearer(business, moov_url):
    client = bearer_client(business, moov_url)
    http = client.sdk_configuration.client  # supplied to the SDK: the SDK leaves it open
    yield client
    http.close()


@pytest.fixture
def stranger(moov_url):
    """Another business: its merchant and a customer of it."""
    tenant = make_tenant()
    return tenant, tenant.account(email="ap@stranger.test", name="Stranger's customer")
