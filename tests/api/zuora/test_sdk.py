"""The Zuora edge driven by Zuora's own Python SDK (zuora-sdk) against a live server: ZuoraClient gets its
token from POST /oauth/token (OAuthApi.create_token validates the credentials' shape before sending them)
and refreshes it, and every answer is read the way a generated operation reads it: by status, through its
`_response_types_map`, into the SDK's models."""

import time
import uuid

import pytest
from zuora_sdk.api.o_auth_api import OAuthApi
from zuora_sdk.exceptions import ApiException
from zuora_sdk.models import (
    CommonErrorResponse,
    ProxyBadRequestResponse,
    ProxyNoDataResponse,
    ProxyUnauthorizedResponse,
)
from zuora_sdk.zuora_client import ZuoraClient

from tenants.services import demo_provision
from tests.api.zuora.sdk_client import CRUD, call
from tests.factories import make_tenant

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def tenant(transactional_db):
    return make_tenant()


@pytest.fixture
def other_tenant(transactional_db):
    return make_tenant()


def account_of(client: ZuoraClient, account_id: uuid.UUID) -> dict:
    return call(client, "GET", f"/v1/object/account/{account_id.hex}", CRUD)


def test_the_sdk_gets_a_token_for_provisioned_credentials_and_calls_with_it(zuora, tenant):
    account = tenant.account(name="Acme")
    client = zuora(tenant.client.client_id, tenant.provisioned.client_secret)
    client.initialize()
    assert client.token["access_token"], "ZuoraClient got no token"
    assert not client.is_token_expired()
    assert account_of(client, account.id)["Name"] == "Acme"


def test_the_demo_credentials_fit_the_sdk(zuora, settings):
    settings.DEBUG = True  # as in `make run`
    demo = demo_provision()
    client = zuora(demo.client.client_id, demo.client_secret)
    client.initialize()
    assert client.token["access_token"], "ZuoraClient got no token"


@pytest.fixture
def short_tokens(settings):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ACCESS_TOKEN_EXPIRE_SECONDS": 2}


def test_an_expired_token_is_refused_and_the_sdk_refreshes_it(zuora, tenant, short_tokens):
    """ZuoraClient keeps `expires_at` from expires_in but does not act on it: is_token_expired() tells the
    integration, which calls refresh_token(); initialize()'s thread refreshes on a timer (next test)."""
    account = tenant.account()
    client = zuora(tenant.client.client_id, tenant.provisioned.client_secret)
    client.initialize()
    first = client.token["access_token"]
    assert account_of(client, account.id)["Id"] == account.id.hex
    time.sleep(2.1)
    assert client.is_token_expired()
    with pytest.raises(ApiException) as refused:
        account_of(client, account.id)
    assert refused.value.status == 401
    client.refresh_token()
    assert client.token["access_token"] != first and not client.is_token_expired()
    assert account_of(client, account.id)["Id"] == account.id.hex


def test_the_sdks_timer_gets_a_new_token_before_the_old_one_expires(zuora, tenant, short_tokens):
    """initialize() starts a thread that asks for a new token every refresh interval (10 minutes by default;
    set_refresh_interval refuses less than 60 s, so the test sets 1 s directly), whatever expires_in says."""
    account = tenant.account()
    client = zuora(tenant.client.client_id, tenant.provisioned.client_secret)
    client._refresh_interval = 1
    client.initialize()
    tokens = [client.token["access_token"]]
    deadline = time.monotonic() + 5
    while len(set(tokens)) < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
        tokens.append(client.token["access_token"])
        assert account_of(client, account.id)["Id"] == account.id.hex  # never an expired one
    assert len(set(tokens)) >= 3


def test_the_sdk_reads_the_request_id_and_the_track_id_on_answers_and_refusals(zuora, tenant):
    client = zuora(tenant.client.client_id, tenant.provisioned.client_secret)
    tokens = OAuthApi(client.api_client)
    form = {"client_id": client.client_id, "grant_type": "client_credentials", "zuora_track_id": "run-7"}
    answer = tokens.create_token_with_http_info(client_secret=client.client_secret, **form)
    assert answer.status_code == 200 and answer.data.access_token
    assert answer.headers["Zuora-Request-Id"] == answer.headers["x-request-id"]
    assert answer.headers["Zuora-Track-Id"] == "run-7"
    with pytest.raises(ApiException) as refused:
        tokens.create_token(client_secret="wrong", **form)
    assert refused.value.status == 401
    assert refused.value.zuora_request_id == refused.value.headers["x-request-id"]
    assert refused.value.zuora_track_id == "run-7"


def refusal(client, method, path, types, body=None) -> ApiException:
    with pytest.raises(ApiException) as refused:
        call(client, method, path, types, body)
    return refused.value


def test_every_crud_error_parses_into_the_model_the_sdk_maps_its_status_to(zuora, tenant, other_tenant):
    client = zuora(tenant.client.client_id, tenant.provisioned.client_secret)
    client.initialize()

    missing = refusal(client, "GET", "/v1/object/invoice/" + "0" * 32, CRUD)
    assert missing.status == 404 and isinstance(missing.data, ProxyNoDataResponse)
    assert (missing.data.done, missing.data.records, missing.data.size) == (True, [], 0)
    assert missing.zuora_request_id

    unchanged = refusal(client, "PUT", "/v1/object/invoice-payment/" + "0" * 32, CRUD, {"Amount": 5})
    assert unchanged.status == 404 and unchanged.data.done is True

    invalid = refusal(client, "POST", "/v1/object/account", CRUD, {"Currency": "USD"})
    assert invalid.status == 400 and isinstance(invalid.data, ProxyBadRequestResponse)
    assert invalid.data.success is False
    assert (invalid.data.errors[0].code, invalid.data.errors[0].message) == (
        "MISSING_REQUIRED_VALUE",
        "Name: This field is required.",
    )

    client.set_entity_id(other_tenant.entity_ids[0].hex)  # Zuora-Entity-Ids: not one of this client's
    forbidden = refusal(client, "GET", "/v1/object/invoice/" + "0" * 32, CRUD)
    assert forbidden.status == 403 and isinstance(forbidden.data, CommonErrorResponse)
    assert forbidden.data.code == 50000010 and forbidden.data.message

    client.api_client.default_headers["Authorization"] = "Bearer nope"
    unauthorized = refusal(client, "GET", "/v1/object/invoice/" + "0" * 32, CRUD)
    assert unauthorized.status == 401 and isinstance(unauthorized.data, ProxyUnauthorizedResponse)
    assert unauthorized.data.message == "Authentication error"


def test_a_refused_token_parses_into_proxy_unauthorized_response(zuora, tenant):
    client = zuora(tenant.client.client_id, tenant.provisioned.client_secret)
    form = {"client_id": client.client_id, "grant_type": "client_credentials"}
    with pytest.raises(ApiException) as refused:
        OAuthApi(client.api_client).create_token(client_secret="wrong", **form)
    assert refused.value.status == 401 and isinstance(refused.value.data, ProxyUnauthorizedResponse)
    assert refused.value.data.message == "Authentication error"
