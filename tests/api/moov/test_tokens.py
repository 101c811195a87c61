"""POST /oauth2/token and /oauth2/revoke driven by Moov's own Python SDK (moovio-sdk) against a live server:
its request bodies, its HTTP Basic security, and its parsing of each answer into a typed result or error."""

import hashlib
import random

import httpx
import pytest
from django.conf import settings
from moovio_sdk import Moov
from moovio_sdk.models import components, errors, operations
from oauth2_provider.models import AccessToken

from tests.factories import make_tenant

pytestmark = pytest.mark.django_db(transaction=True)

READ = "/accounts/{accountID}/invoices.read"
WRITE = "/accounts/{accountID}/invoices.write"


@pytest.fixture
def tenant(transactional_db):
    return make_tenant()


class Live:
    """The live server, reached through one HTTP client that the test closes: a kept-alive connection would
    keep the server's thread, and its database session, open past the test."""

    def __init__(self, url: str, http: httpx.Client):
        self.url = url
        self.http = http

    def sdk(self, tenant=None, secret=None) -> Moov:
        """The SDK as a Moov integration configures it: the client's id and secret as HTTP Basic (none
        without a tenant)."""
        security = None
        if tenant is not None:
            security = components.Security(
                username=tenant.client.client_id, password=secret or tenant.provisioned.client_secret
            )
        return Moov(server_url=self.url, security=security, client=self.http)

    def accounts(self, tenant, token: str) -> httpx.Response:
        """DayZero's account list with this token: every route reads a Bearer token alike (tenants.auth)."""
        headers = {"Authorization": f"Bearer {token}", "x-business-id": str(tenant.business_id)}
        return self.http.get("/api/v1/accounts", headers=headers)

    def post(self, path: str, **kwargs) -> httpx.Response:
        return self.http.post(path, **kwargs)


@pytest.fixture
def live(live_server):
    with httpx.Client(base_url=live_server.url) as http:
        yield Live(live_server.url, http)


def create(sdk: Moov, scope: str | None = f"{READ} {WRITE}", **kwargs):
    return sdk.authentication.create_access_token(grant_type="client_credentials", scope=scope, **kwargs)


def test_the_sdk_parses_the_answer_into_its_typed_auth_token(live, tenant):
    response = create(live.sdk(tenant))
    token = response.result
    # The SDK validated the body against its AuthToken model (a missing or mistyped member raises).
    assert isinstance(token, components.AuthToken)
    assert token.token_type is components.TokenType.BEARER
    assert token.refresh_token == ""  # client credentials get no refresh token (RFC 6749 4.4.3)
    assert token.expires_in == settings.OAUTH2_PROVIDER["ACCESS_TOKEN_EXPIRE_SECONDS"]
    assert token.scope == f"{READ} {WRITE}"
    assert response.headers["x-request-id"][0]
    assert response.headers["x-moov-version"] == [
        Moov(server_url=live.url).sdk_configuration.openapi_doc_version
    ]
    assert response.headers["cache-control"] == ["no-store"]
    # Stored through django-oauth-toolkit, as a checksum only, for the client, with its lifetime.
    row = AccessToken.objects.get(token_checksum=hashlib.sha256(token.access_token.encode()).hexdigest())
    assert row.application_id == tenant.client.pk
    assert row.token == ""
    assert row.scope == "invoices.read invoices.write"


def test_the_token_is_a_bearer_token_for_the_api(live, tenant):
    token = create(live.sdk(tenant)).result.access_token
    assert live.accounts(tenant, token).status_code == 200


def test_a_read_scope_token_reads_and_cannot_write(live, tenant):
    token = create(live.sdk(tenant), scope=READ).result
    assert token.scope == READ
    assert live.accounts(tenant, token.access_token).status_code == 200
    created = live.http.post(
        "/api/v1/accounts",
        json={"name": "Acme", "currency": "USD"},
        headers={"Authorization": f"Bearer {token.access_token}", "x-business-id": str(tenant.business_id)},
    )
    assert created.status_code == 403


def test_an_account_id_in_the_scope_maps_like_the_placeholder(live, tenant):
    account = tenant.account()
    token = create(live.sdk(tenant), scope=f"/accounts/{account.id}/invoices.read").result
    # The token is the client's, not the account's: the answer says {accountID}.
    assert token.scope == READ


def test_credentials_in_the_body_instead_of_basic(live, tenant):
    sdk = live.sdk()
    token = create(
        sdk, client_id=tenant.client.client_id, client_secret=tenant.provisioned.client_secret
    ).result
    assert live.accounts(tenant, token.access_token).status_code == 200


def test_a_wrong_secret_raises_the_sdks_api_error_with_401(live, tenant):
    """The SDK types no body for a 401 (its spec lists none): it raises its APIError with the status."""
    tokens = AccessToken.objects.count()
    with pytest.raises(errors.APIError) as raised:
        create(live.sdk(tenant, secret="wrong"))
    assert raised.value.status_code == 401
    assert raised.value.raw_response.json() == {"error": "invalid client credentials"}
    assert raised.value.headers["www-authenticate"].startswith("Basic")
    assert raised.value.headers["x-moov-version"]
    assert AccessToken.objects.count() == tokens


def test_a_revoked_client_gets_no_token(live, tenant):
    tenant.client.is_active = False
    tenant.client.save()
    with pytest.raises(errors.APIError) as raised:
        create(live.sdk(tenant))
    assert raised.value.status_code == 401


@pytest.mark.parametrize(
    "scope",
    [
        "/accounts.read",  # Moov's accounts: no such routes here
        "/accounts/{accountID}/wallets.read",  # Moov's wallets: no such routes here
        "/accounts/{accountID}/invoices.delete",
        "invoices.read",  # our own name is not Moov's
        f"{READ} /accounts/{{accountID}}/profile.read",
    ],
)
def test_a_scope_that_maps_onto_none_of_ours_raises_auth_token_request_error(live, tenant, scope):
    with pytest.raises(errors.AuthTokenRequestError) as raised:
        create(live.sdk(tenant), scope=scope)
    assert raised.value.raw_response.status_code == 422
    unmapped = [s for s in scope.split() if s != READ]
    assert raised.value.data.scope.startswith(f"not a scope this service grants: {' '.join(unmapped)} ")


def test_the_payment_links_scope_grants_ours(live, tenant):
    """The SDK documents payment links under Moov's transfers scopes; the links here are invoices'."""
    token = create(live.sdk(tenant), scope="/accounts/{accountID}/transfers.read").result
    assert token.scope == READ


@pytest.mark.parametrize("scope", [None, ""])
def test_a_scope_is_required(live, tenant, scope):
    with pytest.raises(errors.AuthTokenRequestError) as raised:
        create(live.sdk(tenant), scope=scope)
    assert raised.value.data.scope.startswith("is required")


def test_a_scope_the_client_was_not_granted_raises_auth_token_request_error(live, tenant):
    tenant.client.scopes = "invoices.read"
    tenant.client.save()
    with pytest.raises(errors.AuthTokenRequestError) as raised:
        create(live.sdk(tenant), scope=f"{READ} {WRITE}")
    assert raised.value.data.scope == f"not granted to this client: {WRITE}"
    assert create(live.sdk(tenant), scope=READ).result.scope == READ


def test_the_refresh_token_grant_raises_generic_error(live, tenant):
    with pytest.raises(errors.GenericError) as raised:
        live.sdk(tenant).authentication.create_access_token(
            grant_type="refresh_token", refresh_token="anything"
        )
    assert raised.value.raw_response.status_code == 400
    assert "client_credentials" in raised.value.data.error


def test_revoking_a_token_makes_it_a_401_at_once(live, tenant):
    sdk = live.sdk(tenant)
    token = create(sdk).result.access_token
    assert live.accounts(tenant, token).status_code == 200
    revoked = sdk.authentication.revoke_access_token(token=token)
    assert isinstance(revoked, operations.RevokeAccessTokenResponse)
    assert revoked.headers["x-request-id"] and "content-type" not in revoked.headers
    assert live.accounts(tenant, token).status_code == 401
    assert tenant.token != token and live.accounts(tenant, tenant.token).status_code == 200


def test_revoking_an_unknown_or_another_clients_token_is_204_and_changes_nothing(live, tenant):
    other = make_tenant()
    theirs = create(live.sdk(other)).result.access_token
    sdk = live.sdk(tenant)
    sdk.authentication.revoke_access_token(token="no-such-token")
    sdk.authentication.revoke_access_token(
        token=theirs, token_type_hint=components.TokenTypeHint.ACCESS_TOKEN
    )
    assert live.accounts(other, theirs).status_code == 200


def test_revoking_needs_the_clients_credentials(live, tenant):
    token = create(live.sdk(tenant)).result.access_token
    with pytest.raises(errors.APIError) as raised:
        live.sdk(tenant, secret="wrong").authentication.revoke_access_token(token=token)
    assert raised.value.status_code == 401
    assert live.accounts(tenant, token).status_code == 200


def test_revoking_with_credentials_in_the_body(live, tenant):
    token = create(live.sdk(tenant)).result.access_token
    live.sdk().authentication.revoke_access_token(
        token=token, client_id=tenant.client.client_id, client_secret=tenant.provisioned.client_secret
    )
    assert live.accounts(tenant, token).status_code == 401


# The edges the SDK never sends: raw HTTP.


def test_x_moov_version_is_echoed_defaulted_and_checked(live, tenant):
    body = {"grant_type": "client_credentials", "scope": READ}
    auth = (tenant.client.client_id, tenant.provisioned.client_secret)
    echoed = live.post("/oauth2/token", json=body, auth=auth, headers={"X-Moov-Version": "v2025.04.00"})
    assert (echoed.status_code, echoed.headers["x-moov-version"]) == (200, "v2025.04.00")
    defaulted = live.post("/oauth2/token", json=body, auth=auth)
    assert defaulted.headers["x-moov-version"] == "v2024.01.00"
    malformed = live.post(
        "/oauth2/revoke", json={"token": "x"}, auth=auth, headers={"X-Moov-Version": "2025"}
    )
    assert malformed.status_code == 400 and "X-Moov-Version" in malformed.json()["error"]
    assert malformed.headers["x-moov-version"] == "v2024.01.00"
    assert malformed.headers["x-request-id"]


def test_a_form_body_is_read_too(live, tenant):
    form = {
        "grant_type": "client_credentials",
        "scope": READ,
        "client_id": tenant.client.client_id,
        "client_secret": tenant.provisioned.client_secret,
    }
    response = live.post("/oauth2/token", data=form)
    assert response.status_code == 200 and response.json()["scope"] == READ


@pytest.mark.parametrize(
    ("kwargs", "status", "body"),
    [
        (
            {"content": b"{", "headers": {"Content-Type": "application/json"}},
            400,
            {"error": "the request body is not valid JSON"},
        ),
        ({"json": ["client_credentials"]}, 400, {"error": "the request body must be a JSON object"}),
        (
            {"json": {"grant_type": "password", "username": "a", "password": "b"}},
            400,
            {"error": "grant_type must be client_credentials"},
        ),
        ({"json": {"grant_type": 1}}, 400, {"error": "grant_type must be a string"}),
        ({"json": {"grant_type": "client_credentials", "scope": 5}}, 422, {"scope": "must be a string"}),
        (
            {
                "content": b'{"grant_type": "client_credentials", "scope": "\\ud800"}',
                "headers": {"Content-Type": "application/json"},
            },
            422,
            {"scope": "must be UTF-8 text"},
        ),
        (
            {
                "json": {
                    "grant_type": "client_credentials",
                    "scope": READ,
                    "client_id": "\x00",
                    "client_secret": "x",
                }
            },
            401,
            {"error": "invalid client credentials"},
        ),
    ],
)
def test_malformed_token_requests_are_refused_in_moovs_envelope(live, tenant, kwargs, status, body):
    response = live.post("/oauth2/token", **kwargs)
    assert (response.status_code, response.json()) == (status, body)
    assert response.headers["x-moov-version"] and response.headers["x-request-id"]


@pytest.mark.parametrize(
    ("body", "answer"),
    [
        ({}, {"token": "is required"}),
        ({"token": 5}, {"token": "must be a string"}),
        (
            {"token": "x", "token_type_hint": "jwt"},
            {"token_type_hint": "must be access_token or refresh_token"},
        ),
    ],
)
def test_malformed_revocations_are_the_sdks_revoke_token_request_error(live, tenant, body, answer):
    """Checked before the client is: the SDK cannot send these (its model types both fields)."""
    response = live.post("/oauth2/revoke", json=body, auth=(tenant.client.client_id, "x"))
    assert (response.status_code, response.json()) == (422, answer)
    errors.RevokeTokenRequestErrorData.model_validate(response.json())


def test_other_methods_and_paths_answer_in_moovs_envelope(live):
    got = live.http.get("/oauth2/token")
    assert (got.status_code, got.json(), got.headers["allow"]) == (
        405,
        {"error": "method not allowed"},
        "POST, OPTIONS",
    )
    missing = live.http.post("/oauth2/introspect")
    assert (missing.status_code, missing.json()) == (404, {"error": "Not Found"})


def test_both_token_endpoints_share_the_per_ip_limit(live, tenant, settings, redis_url):
    settings.TOKEN_RATE_LIMIT = "3/minute"
    settings.FORWARDED_ALLOW_IPS = ["127.0.0.1"]
    ip = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(256)}"
    headers = {"X-Forwarded-For": ip, "X-Moov-Version": "v2025.01.00"}
    auth = (tenant.client.client_id, tenant.provisioned.client_secret)
    form = {"grant_type": "client_credentials", "client_id": auth[0], "client_secret": auth[1]}
    assert live.post("/oauth/token", data=form, headers=headers).status_code == 200
    moov_body = {"grant_type": "client_credentials", "scope": READ}
    assert live.post("/oauth2/token", json=moov_body, auth=auth, headers=headers).status_code == 200
    assert live.post("/oauth2/revoke", json={"token": "x"}, auth=auth, headers=headers).status_code == 204
    refused = live.post("/oauth2/token", json=moov_body, auth=auth, headers=headers)
    assert refused.status_code == 429
    assert refused.json() == {"error": "too many token requests; retry later"}
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["x-moov-version"] == "v2025.01.00"
