import base64
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oauth2_provider.models import AccessToken

from tenants import auth
from tenants.models import ApiClient
from tenants.redis_client import redis_client
from tenants.services import api_client_revoke
from tests.factories import make_tenant

pytestmark = pytest.mark.django_db


def _basic(client_id, secret):
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def test_token_endpoint_issues_a_zuora_shaped_token(api, tenant):
    response = _token_request(api, tenant)
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope", "jti"}
    assert body["token_type"] == "bearer"
    assert body["scope"] == "invoices.read invoices.write"
    assert len(body["jti"]) == 32
    listed = api.get(
        "/api/v1/accounts",
        HTTP_AUTHORIZATION=f"Bearer {body['access_token']}",
        HTTP_X_BUSINESS_ID=str(tenant.business_id),
    )
    assert listed.status_code == 200


def test_token_endpoint_refuses_a_bad_secret(api, tenant):
    response = api.post(
        "/oauth/token",
        {"grant_type": "client_credentials", "client_id": tenant.client.client_id, "client_secret": "wrong"},
    )
    assert response.status_code == 401
    # RFC 6749's error, and the message Zuora's SDK reads (ProxyUnauthorizedResponse).
    assert response.json() == {"error": "invalid_client", "message": "Authentication error"}


@pytest.mark.parametrize("grant_type", ["sideways", "password", "authorization_code", "refresh_token", ""])
def test_token_endpoint_refuses_another_grant_type(api, tenant, grant_type):
    response = api.post(
        "/oauth/token",
        {
            "grant_type": grant_type,
            "client_id": tenant.client.client_id,
            "client_secret": tenant.provisioned.client_secret,
            "username": "a",
            "password": "b",
        },
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_the_password_grant_is_no_oracle_for_staff_passwords(api, tenant, monkeypatch):
    """A tenant's client credentials must not let it try staff passwords: the answer is the same for the
    right and a wrong one, and no password is hashed (each try would cost the server a PBKDF2 run)."""
    User.objects.create_user("oracle-staff", password="the-right-password", is_staff=True)
    hashed = []
    for name in ("verify", "encode"):
        original = getattr(PBKDF2PasswordHasher, name)
        monkeypatch.setattr(
            PBKDF2PasswordHasher,
            name,
            lambda self, password, *args, _original=original, _name=name: (
                hashed.append(_name) or _original(self, password, *args)
            ),
        )
    answers = []
    for password in ("the-right-password", "a-wrong-password"):
        response = api.post(
            "/oauth/token",
            {
                "grant_type": "password",
                "client_id": tenant.client.client_id,
                "client_secret": tenant.provisioned.client_secret,
                "username": "oracle-staff",
                "password": password,
            },
        )
        answers.append((response.status_code, response.json()))
    assert answers[0] == answers[1]
    assert answers[0][0] == 400 and answers[0][1]["error"] == "unsupported_grant_type"
    assert hashed == []


def test_token_endpoint_refuses_a_revoked_client(api, tenant):
    tenant.client.is_active = False
    tenant.client.save()
    response = _token_request(api, tenant)
    assert response.status_code == 401


def test_basic_auth_with_client_credentials(api, tenant):
    response = api.get(
        "/api/v1/accounts",
        HTTP_AUTHORIZATION=_basic(tenant.client.client_id, tenant.provisioned.client_secret),
        HTTP_X_BUSINESS_ID=str(tenant.business_id),
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "authorization", [None, "Bearer nope", "Basic bm9wZTpub3Bl", "Basic !!!", "Bearer a b"]
)
def test_missing_or_bad_credentials_are_401(api, tenant, authorization):
    headers = {"HTTP_X_BUSINESS_ID": str(tenant.business_id)}
    if authorization:
        headers["HTTP_AUTHORIZATION"] = authorization
    response = api.get("/api/v1/accounts", **headers)
    assert response.status_code == 401
    assert "detail" in response.json()


def test_expired_token_is_401(api, tenant):
    AccessToken.objects.filter(application=tenant.client).update(
        expires=timezone.now() - timedelta(seconds=1)
    )
    response = api.get("/api/v1/accounts", **_h(tenant))
    assert response.status_code == 401


def test_revoking_a_client_stops_its_tokens_at_once(api, tenant):
    assert api.get("/api/v1/accounts", **_h(tenant)).status_code == 200
    tenant.client.is_active = False
    tenant.client.save()
    assert api.get("/api/v1/accounts", **_h(tenant)).status_code == 401


def test_deleting_a_token_or_taking_back_an_entity_takes_effect_at_once(api, db):
    """What a process keeps of a credential (tenants/auth.py) is dropped by the change: the first request
    below leaves it kept, each change replaces the credentials epoch."""
    tenant = make_tenant(entities=2)
    first, second = tenant.entity_ids
    named = {"HTTP_ZUORA_ENTITY_IDS": str(second)}
    assert api.get("/api/v1/accounts", **_h(tenant), **named).status_code == 200
    tenant.client.all_entities = False
    tenant.client.save()
    tenant.client.entities.set([first])
    assert api.get("/api/v1/accounts", **_h(tenant), **named).status_code == 403
    AccessToken.objects.filter(application=tenant.client).delete()
    assert api.get("/api/v1/accounts", **_h(tenant)).status_code == 401


def _statements_of_a_get(api, tenant, authorization) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = api.get(
            f"/api/v1/accounts/{tenant.account().id}",
            HTTP_AUTHORIZATION=authorization,
            HTTP_X_BUSINESS_ID=str(tenant.business_id),
        )
    assert response.status_code == 200, response.content
    return len(captured) - 1  # tenant.account()'s own read


def test_credential_client_and_entities_cost_one_statement_then_none(api, tenant, redis_url):
    """The cheapest route reads the credential (with its client and entities) and the account: two
    statements, whichever way the client authenticates; while the credentials epoch stands, the process
    keeps the credential and only the account is read."""
    for authorization in (
        f"Bearer {tenant.token}",
        _basic(tenant.client.client_id, tenant.provisioned.client_secret),
    ):
        assert _statements_of_a_get(api, tenant, authorization) == 2
        assert _statements_of_a_get(api, tenant, authorization) == 1
    # Another process's change: a new epoch in Redis, nothing else.
    redis_client(settings.REDIS_URL).set(auth.EPOCH_KEY, "set-by-another-process")
    assert _statements_of_a_get(api, tenant, f"Bearer {tenant.token}") == 2
    assert _statements_of_a_get(api, tenant, f"Bearer {tenant.token}") == 1


@pytest.mark.parametrize("rate_limit", ["0", "1000/s"])
@pytest.mark.parametrize("way", ["bearer", "basic"])
def test_a_kept_credential_is_trusted_only_while_the_epoch_stands(
    api, tenant, redis_url, settings, rate_limit, way
):
    """Another process changes the database around the ORM (no signal here) and replaces the epoch: this
    process's kept credential must not be trusted past that, whether the epoch comes alone or with the
    rate limit's hit (api.views)."""
    settings.API_RATE_LIMIT = rate_limit
    if way == "bearer":
        authorization = f"Bearer {tenant.token}"
    else:
        authorization = _basic(tenant.client.client_id, tenant.provisioned.client_secret)
    headers = {"HTTP_AUTHORIZATION": authorization, "HTTP_X_BUSINESS_ID": str(tenant.business_id)}
    assert _statements_of_a_get(api, tenant, authorization) == 2
    assert _statements_of_a_get(api, tenant, authorization) == 1  # kept
    ApiClient.objects.filter(pk=tenant.client.pk).update(scopes="invoices.write")
    redis_client(settings.REDIS_URL).set(auth.EPOCH_KEY, "scopes-lowered-elsewhere")
    assert api.get("/api/v1/accounts", **headers).status_code == 403
    ApiClient.objects.filter(pk=tenant.client.pk).update(scopes="invoices.read", is_active=False)
    redis_client(settings.REDIS_URL).set(auth.EPOCH_KEY, "revoked-elsewhere")
    assert api.get("/api/v1/accounts", **headers).status_code == 401


def test_a_credential_kept_again_under_an_old_epoch_during_the_new_read_is_not_trusted(
    api, tenant, redis_url, settings, monkeypatch
):
    """With threads, another request may keep the credential again, under the epoch it read before the
    change, between forget_kept() and the new read: that read goes to the database all the same."""
    headers = _h(tenant)
    assert _statements_of_a_get(api, tenant, f"Bearer {tenant.token}") == 2
    monkeypatch.setattr(auth, "forget_kept", lambda: None)  # as if kept again at once
    ApiClient.objects.filter(pk=tenant.client.pk).update(scopes="invoices.write")
    redis_client(settings.REDIS_URL).set(auth.EPOCH_KEY, "scopes-lowered-elsewhere")
    assert api.get("/api/v1/accounts", **headers).status_code == 403


def test_a_kept_credential_is_read_again_when_redis_lost_the_epoch(api, tenant, redis_url, settings):
    assert _statements_of_a_get(api, tenant, f"Bearer {tenant.token}") == 2
    assert _statements_of_a_get(api, tenant, f"Bearer {tenant.token}") == 1
    redis_client(settings.REDIS_URL).delete(auth.EPOCH_KEY)  # a restarted or flushed Redis
    assert _statements_of_a_get(api, tenant, f"Bearer {tenant.token}") == 2
    assert _statements_of_a_get(api, tenant, f"Bearer {tenant.token}") == 1


def test_a_revoked_kept_credential_over_its_limit_is_401_not_429(api, tenant, redis_url, settings):
    settings.API_RATE_LIMIT = "2/minute"
    assert [api.get("/api/v1/accounts", **_h(tenant)).status_code for _ in range(3)] == [200, 200, 429]
    ApiClient.objects.filter(pk=tenant.client.pk).update(is_active=False)
    redis_client(settings.REDIS_URL).set(auth.EPOCH_KEY, "revoked-elsewhere")
    assert api.get("/api/v1/accounts", **_h(tenant)).status_code == 401


def test_without_redis_nothing_is_kept(api, tenant, settings):
    settings.REDIS_URL = ""
    for _ in range(2):
        assert _statements_of_a_get(api, tenant, f"Bearer {tenant.token}") == 2


def test_with_redis_down_credentials_are_read_every_time(api, tenant, settings, redis_url):
    assert _statements_of_a_get(api, tenant, f"Bearer {tenant.token}") == 2
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens there
    for _ in range(2):
        assert _statements_of_a_get(api, tenant, f"Bearer {tenant.token}") == 2


def test_a_change_redis_cannot_hear_of_is_refused(api, tenant, settings, redis_url):
    """A process could otherwise go on trusting what it kept: the change fails and nothing is saved."""
    assert _statements_of_a_get(api, tenant, f"Bearer {tenant.token}") == 2
    settings.REDIS_URL = "redis://127.0.0.1:9/0"
    with pytest.raises(redis.ConnectionError), transaction.atomic():
        tenant.client.is_active = False
        tenant.client.save()
    tenant.client.refresh_from_db()
    assert tenant.client.is_active


def test_revoking_a_kept_client_through_the_service_stops_it_at_once(api, tenant, redis_url):
    assert api.get("/api/v1/accounts", **_h(tenant)).status_code == 200
    assert _statements_of_a_get(api, tenant, f"Bearer {tenant.token}") == 1  # kept
    assert api_client_revoke(client=tenant.client)
    assert api.get("/api/v1/accounts", **_h(tenant)).status_code == 401


def test_a_token_revoked_through_oauth_stops_at_once(api, tenant, redis_url):
    headers = {"HTTP_AUTHORIZATION": _basic(tenant.client.client_id, tenant.provisioned.client_secret)}
    body = {"grant_type": "client_credentials", "scope": "/accounts/{accountID}/invoices.read"}
    issued = api.post("/oauth2/token", body, format="json", **headers)
    assert issued.status_code == 200, issued.content
    token = issued.json()["access_token"]
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_X_BUSINESS_ID": str(tenant.business_id)}
    assert api.get("/api/v1/accounts", **bearer).status_code == 200
    assert api.get("/api/v1/accounts", **bearer).status_code == 200
    revoked = api.post("/oauth2/revoke", {"token": token}, format="json", **headers)
    assert revoked.status_code == 204, revoked.content
    assert api.get("/api/v1/accounts", **bearer).status_code == 401


def test_issuing_a_token_keeps_the_epoch(api, tenant, redis_url):
    """Clients fetch tokens all day: a new one must not make every process read every credential again."""
    epoch = auth._epoch()
    issue = _token_request(api, tenant)
    assert issue.status_code == 200
    assert auth._epoch() == epoch


def test_deleting_expired_tokens_keeps_the_epoch_deleting_a_live_one_does_not(tenant, redis_url):
    """cleartokens deletes expired tokens by the thousand: no request accepts them, kept or not."""
    tokens = AccessToken.objects.filter(application=tenant.client)
    epoch = auth._epoch()
    live = tokens.get()
    expired = AccessToken.objects.create(
        application=tenant.client, token="expired", expires=timezone.now() - timedelta(seconds=1)
    )
    expired.delete()
    assert auth._epoch() == epoch
    live.delete()
    assert auth._epoch() != epoch


def test_another_business_header_is_403(api, tenant, other_tenant):
    response = api.get(
        "/api/v1/accounts",
        HTTP_AUTHORIZATION=f"Bearer {tenant.token}",
        HTTP_X_BUSINESS_ID=str(other_tenant.business_id),
    )
    assert response.status_code == 403


def test_an_entity_the_client_lacks_is_403(api, tenant, other_tenant):
    response = api.get(
        "/api/v1/accounts", **_h(tenant), HTTP_ZUORA_ENTITY_IDS=str(other_tenant.entity_ids[0])
    )
    assert response.status_code == 403


def test_an_entity_outside_the_client_grant_is_403(api, db):
    tenant = make_tenant(entities=2)
    tenant.client.all_entities = False
    tenant.client.save()
    tenant.client.entities.set([tenant.entity_ids[0]])
    ok = api.get("/api/v1/accounts", **_h(tenant), HTTP_ZUORA_ENTITY_IDS=str(tenant.entity_ids[0]))
    refused = api.get("/api/v1/accounts", **_h(tenant), HTTP_ZUORA_ENTITY_IDS=str(tenant.entity_ids[1]))
    assert (ok.status_code, refused.status_code) == (200, 403)


def test_a_creation_that_must_pick_an_entity_is_400(api, db):
    tenant = make_tenant(entities=2)
    body = {"name": "Acme", "currency": "USD"}
    response = api.post("/api/v1/accounts", body, format="json", **_h(tenant))
    assert response.status_code == 400
    assert "Zuora-Entity-Ids" in response.json()["detail"]
    named = api.post(
        "/api/v1/accounts", body, format="json", **_h(tenant), HTTP_ZUORA_ENTITY_IDS=str(tenant.entity_ids[1])
    )
    assert named.status_code == 201
    assert named.json()["entity_id"] == str(tenant.entity_ids[1])


def test_writes_need_the_write_scope(api, tenant):
    AccessToken.objects.filter(application=tenant.client).update(scope="invoices.read")
    assert api.get("/api/v1/accounts", **_h(tenant)).status_code == 200
    response = api.post("/api/v1/accounts", {"name": "A", "currency": "USD"}, format="json", **_h(tenant))
    assert response.status_code == 403
    assert "invoices.write" in response.json()["detail"]


def test_reads_need_the_read_scope(api, tenant):
    AccessToken.objects.filter(application=tenant.client).update(scope="invoices.write")
    assert api.get("/api/v1/accounts", **_h(tenant)).status_code == 403


def test_lowering_a_clients_scopes_takes_effect_at_once_on_its_tokens(api, tenant):
    issued = _token_request(api, tenant).json()
    assert issued["scope"] == "invoices.read invoices.write"
    headers = {
        "HTTP_AUTHORIZATION": f"Bearer {issued['access_token']}",
        "HTTP_X_BUSINESS_ID": str(tenant.business_id),
    }
    transaction = {"amount": 100, "currency": "USD", "datetime": "2026-01-20T14:45:00Z"}
    assert api.post("/api/v1/transactions", transaction, format="json", **headers).status_code == 201
    tenant.client.scopes = "invoices.read"
    tenant.client.save()
    refused = api.post("/api/v1/transactions", transaction, format="json", **headers)
    assert refused.status_code == 403
    assert "invoices.write" in refused.json()["detail"]
    assert api.get("/api/v1/transactions", **headers).status_code == 200


def test_a_client_cannot_ask_for_scopes_it_was_not_granted(api, tenant):
    tenant.client.scopes = "invoices.read"
    tenant.client.save()
    response = api.post(
        "/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": tenant.client.client_id,
            "client_secret": tenant.provisioned.client_secret,
            "scope": "invoices.write",
        },
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_base_view_subclasses_cannot_replace_tenant_resolution():
    from api.views import TenantAPIView

    with pytest.raises(TypeError, match="initial"):
        type("Sneaky", (TenantAPIView,), {"initial": lambda self, request: None})


def _token_request(api, tenant):
    return api.post(
        "/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": tenant.client.client_id,
            "client_secret": tenant.provisioned.client_secret,
        },
    )


def _h(tenant):
    return {"HTTP_AUTHORIZATION": f"Bearer {tenant.token}", "HTTP_X_BUSINESS_ID": str(tenant.business_id)}
