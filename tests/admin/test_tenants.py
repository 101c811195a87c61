"""Businesses, entities, accounts and API clients: a client's secret is shown once, revoking it stops its
tokens at once, and nothing can be pointed at another business."""

import base64
import re
import uuid

import pytest
from django.contrib.messages import get_messages

from tenants.models import Account, ApiClient, Business, Entity

pytestmark = pytest.mark.django_db
CLIENTS = "/admin/tenants/apiclient/"


def shown_secret(response) -> tuple[str, str]:
    """The client id and secret from the one message that shows them."""
    for message in get_messages(response.wsgi_request):
        found = re.match(r"Client secret of (\S+): (\S+) \(copy it now", message.message)
        if found:
            return found.group(1), found.group(2)
    raise AssertionError("no message shows a client secret")


def token_for(api, client_id, secret):
    response = api.post(
        "/oauth/token", {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    )
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def test_creating_a_client_shows_its_secret_once_and_the_secret_works(staff_client, acme, api):
    response = staff_client.post(
        f"{CLIENTS}add/",
        {
            "business": str(acme.business_id),
            "name": "ERP",
            "all_entities": "on",
            "scopes": ["invoices.read"],
            "is_active": "on",
        },
        follow=True,
    )
    client_id, secret = shown_secret(response)
    # Zuora's SDK sends a 36-character client id and a secret of at most 42.
    assert str(uuid.UUID(client_id)) == client_id and len(secret) == 42
    client = ApiClient.objects.get(client_id=client_id)
    assert (client.business_id, client.name, client.scopes) == (acme.business_id, "ERP", "invoices.read")
    assert secret not in client.client_secret  # stored hashed
    assert secret not in staff_client.get(f"{CLIENTS}{client.pk}/change/").content.decode()

    token = token_for(api, client_id, secret)
    listed = api.get(
        "/api/v1/accounts", HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_X_BUSINESS_ID=str(acme.business_id)
    )
    assert listed.status_code == 200


def test_revoking_a_client_stops_its_tokens_at_once(staff_client, acme, api):
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {acme.token}", "HTTP_X_BUSINESS_ID": str(acme.business_id)}
    credentials = f"{acme.client.client_id}:{acme.provisioned.client_secret}".encode()
    basic = {**bearer, "HTTP_AUTHORIZATION": f"Basic {base64.b64encode(credentials).decode()}"}
    assert api.get("/api/v1/accounts", **bearer).status_code == 200
    assert api.get("/api/v1/accounts", **basic).status_code == 200

    response = staff_client.post(
        CLIENTS, {"action": "revoke", "_selected_action": [str(acme.client.pk)], "index": "0"}, follow=True
    )
    assert "Revoked: 1 API client." in [m.message for m in get_messages(response.wsgi_request)]
    assert api.get("/api/v1/accounts", **bearer).status_code == 401
    assert api.get("/api/v1/accounts", **basic).status_code == 401
    assert (
        api.post(
            "/oauth/token",
            {
                "grant_type": "client_credentials",
                "client_id": acme.client.client_id,
                "client_secret": acme.provisioned.client_secret,
            },
        ).status_code
        == 401
    )


def test_a_client_is_granted_only_entities_of_its_business(admin_client, acme, globex):
    response = admin_client.post(
        f"{CLIENTS}add/",
        {
            "business": str(acme.business_id),
            "name": "Mixed",
            "entities": [str(acme.entity_ids[0]), str(globex.entity_ids[0])],
            "scopes": ["invoices.read", "invoices.write"],
        },
    )
    assert response.status_code == 200
    assert "Not entities of this client&#x27;s business: Default." in response.content.decode()
    assert not ApiClient.objects.filter(name="Mixed").exists()


def test_a_staff_user_cannot_create_a_client_for_another_business(staff_client, globex):
    response = staff_client.post(
        f"{CLIENTS}add/", {"business": str(globex.business_id), "name": "Sneaky", "scopes": ["invoices.read"]}
    )
    assert response.status_code == 200
    assert "business" in response.context["adminform"].form.errors
    assert not ApiClient.objects.filter(name="Sneaky").exists()


def test_a_superuser_adds_a_business_provisioned_like_the_command(admin_client, staff, api):
    response = admin_client.post(
        "/admin/tenants/business/add/",
        {"name": "Initech", "currency": "EUR", "staff": [staff.pk]},
        follow=True,
    )
    business = Business.objects.get(name="Initech")
    assert response.redirect_chain[-1][0] == "/admin/tenants/business/"
    assert list(business.staff.all()) == [staff]
    assert list(
        Entity.objects.across_tenants(reason="test")
        .filter(business=business)
        .values_list("name", "is_default")
    ) == [("Default", True)]
    client_id, secret = shown_secret(response)
    assert ApiClient.objects.get(client_id=client_id).business == business
    token_for(api, client_id, secret)

    refused = admin_client.post("/admin/tenants/business/add/", {"name": "Bad", "currency": "XXX"})
    assert "currency" in refused.context["adminform"].form.errors
    assert not Business.objects.filter(name="Bad").exists()


def test_staff_users_neither_add_businesses_nor_assign_staff(staff_client, acme):
    assert staff_client.get("/admin/tenants/business/add/").status_code == 403
    page = staff_client.get(f"/admin/tenants/business/{acme.business_id}/change/")
    assert "staff" not in page.context["adminform"].form.fields
    assert staff_client.post(f"/admin/tenants/business/{acme.business_id}/delete/").status_code == 403


def test_an_account_keeps_its_entity_and_currency(staff_client, acme):
    account = acme.account(currency="USD")
    response = staff_client.post(
        f"/admin/tenants/account/{account.pk}/change/",
        {"name": "Renamed", "email": "x@acme.test", "currency": "EUR", "entity": str(acme.entity_ids[0])},
    )
    assert response.status_code == 302
    account = Account.objects.across_tenants(reason="test").get(pk=account.pk)
    assert (account.name, account.currency) == ("Renamed", "USD")
