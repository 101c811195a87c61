import pytest
from zuora_sdk.zuora_client import ZuoraClient


@pytest.fixture
def no_kept_connections(settings):
    """The live server answers in threads, each with its own database connection: closed after every
    request, or the test database could not be dropped at the end."""
    database = settings.DATABASES["default"]
    kept = database.get("CONN_MAX_AGE")
    database["CONN_MAX_AGE"] = 0
    yield
    database["CONN_MAX_AGE"] = kept


@pytest.fixture
def zuora(no_kept_connections, live_server):
    """ZuoraClient as an integration builds it, pointed at the live server; stopped after the test."""
    made = []

    def build(client_id: str, client_secret: str) -> ZuoraClient:
        client = ZuoraClient(client_id=client_id, client_secret=client_secret, env=None)
        client.set_base_url(live_server.url)
        client.set_retry_config(max_retries=1, retry_base_delay=1)  # a refused token fails at once
        made.append(client)
        return client

    yield build
    for client in made:
        # stop_auto_auth() would wait 5 s for the refresh thread, asleep for its interval: tell the thread
        # to do nothing when it wakes (it is a daemon), and close the SDK's connections.
        client._stop_refresh.set()
        client._refresh_timer = None
        client.api_client.rest_client.pool_manager.clear()
