import json
import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from oauth2_provider.models import AccessToken

from core.ids import parse_uuid
from tenants.models import Account, ApiClient, Business, Entity
from tenants.services import demo_provision

pytestmark = pytest.mark.django_db


def assert_sdk_shaped(client_id: str, secret: str) -> None:
    """A client id and secret Zuora's SDK sends: a 36-character id (a UUID here), at most 42 for the secret."""
    assert len(client_id) == 36 and str(uuid.UUID(client_id)) == client_id
    assert len(secret) == 42


def _provision(*args) -> dict:
    out = StringIO()
    call_command("provision_tenant", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_provision_tenant_prints_working_credentials(api):
    data = _provision("--name", "Acme", "--entities", "3", "--currency", "EUR")
    assert set(data) == {"business_id", "entity_ids", "client_id", "client_secret", "access_token"}
    business = Business.objects.get(pk=data["business_id"])
    assert business.currency == "EUR"
    entities = Entity.objects.across_tenants(reason="test").filter(business=business)
    assert entities.count() == 3
    assert str(entities.get(is_default=True).id) == data["entity_ids"][0]
    client = ApiClient.objects.get(client_id=data["client_id"])
    assert_sdk_shaped(data["client_id"], data["client_secret"])
    assert client.all_entities and client.scope_list == ["invoices.read", "invoices.write"]
    # The secret is stored hashed, never in clear.
    assert data["client_secret"] not in client.client_secret
    assert client.client_secret.startswith("client_secret_sha256$")
    response = api.get(
        "/api/v1/accounts",
        HTTP_AUTHORIZATION=f"Bearer {data['access_token']}",
        HTTP_X_BUSINESS_ID=data["business_id"],
        HTTP_ZUORA_ENTITY_IDS=data["entity_ids"][2],
    )
    assert response.status_code == 200


def test_provisioned_token_lives_at_least_a_day():
    data = _provision("--name", "Acme")
    token = AccessToken.objects.get(application__client_id=data["client_id"])
    from datetime import timedelta

    from django.utils import timezone

    assert token.expires >= timezone.now() + timedelta(hours=24)
    # Stored as a checksum only (RFC 9700): the raw token is nowhere in the row.
    assert token.token == ""


def test_provision_rejects_an_unknown_currency():
    with pytest.raises(CommandError, match="ISO 4217"):
        _provision("--name", "Acme", "--currency", "ABC")
    assert not Business.objects.exists()


def test_demo_provisioning_twice_changes_nothing(settings):
    settings.DEBUG = True  # as in `make run`
    first, second = StringIO(), StringIO()
    call_command("provision_demo", stdout=first)
    counts = [m.objects.count() for m in (Business, ApiClient, AccessToken)] + [
        Entity.objects.across_tenants(reason="test").count(),
        Account.objects.across_tenants(reason="test").count(),
    ]
    snapshot = list(AccessToken.objects.values_list("id", "expires", "token_checksum"))
    call_command("provision_demo", stdout=second)
    assert first.getvalue() == second.getvalue()
    assert counts == [m.objects.count() for m in (Business, ApiClient, AccessToken)] + [
        Entity.objects.across_tenants(reason="test").count(),
        Account.objects.across_tenants(reason="test").count(),
    ]
    assert snapshot == list(AccessToken.objects.values_list("id", "expires", "token_checksum"))
    demo = demo_provision()
    assert_sdk_shaped(demo.client.client_id, demo.client_secret)
    assert demo.client_secret in first.getvalue()


def test_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("provision_demo", stdout=StringIO())


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2c93808457d787030157e02deadb1b6d", True),
        ("2c938084-57d7-8703-0157-e02deadb1b6d", True),
        ("2c93808457d787030157e02deadb1b6", False),
        ("not-a-uuid", False),
        (None, False),
        (12, False),
    ],
)
def test_parse_uuid_accepts_both_spellings(value, expected):
    assert (parse_uuid(value) is not None) is expected


def test_the_demos_printed_example_pays_its_invoice(settings, api):
    import re

    settings.DEBUG = True
    out = StringIO()
    call_command("provision_demo", stdout=out)
    text = out.getvalue()
    token = re.search(r"access_token:\s+(\S+)", text)[1]
    business = re.search(r"business_id:\s+(\S+)", text)[1]
    path, body = re.search(
        r"curl -s \S+(/api/v1/invoices/\S+/payments) .*?-d '(\{.*?\})'", text, re.S
    ).groups()
    response = api.post(
        path,
        json.loads(body),
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_X_BUSINESS_ID=business,
    )
    assert response.status_code == 201, response.content
    assert response.json()["amount"] == 2500
