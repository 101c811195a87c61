"""What every Moov route shares: X-Moov-Version, x-request-id, authentication, scopes, the envelopes."""

import base64
import uuid

import pytest
from oauth2_provider.models import AccessToken
from rest_framework.test import APIClient

from invoices import services as invoice_services
from tenants.auth import credentials_changed
from tests.api.moov.helpers import invoice_body, invoices_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def routes(tenant, account):
    """Each route as (method, path, body), on a sent invoice of the account."""
    invoice = tenant.invoice("100.00", account=account, status="draft")
    _, link = invoice_services.invoice_send(ctx=tenant.ctx(), invoice_id=invoice.id)
    draft = tenant.invoice("5.00", account=account, status="draft")
    amount = {"currency": "USD", "valueDecimal": "1.00"}
    links = f"/accounts/{account.entity_id}/payment-links"
    return [
        ("get", invoices_path(account), None),
        ("post", invoices_path(account), invoice_body(account, "1.00")),
        ("get", invoices_path(account, invoice.id), None),
        ("patch", invoices_path(account, invoice.id), {"description": "x"}),
        ("get", invoices_path(account, invoice.id, "/payments"), None),
        ("post", invoices_path(account, invoice.id, "/payments"), {"amount": amount}),
        ("post", invoices_path(account, invoice.id, "/notifications"), {"channels": ["email"]}),
        ("delete", invoices_path(account, draft.id), None),
        ("get", links, None),
        ("get", f"{links}/{link.code}", None),
        ("patch", f"{links}/{link.code}", {"display": {"title": "Pay me"}}),
        ("delete", f"{links}/{link.code}", None),
    ]


def _call(client, method, path, body=None, **headers):
    return getattr(client, method)(path, body, format="json", **headers)


def test_every_route_answers_with_the_default_version_and_a_request_id(moov, routes):
    for method, path, body in routes:
        response = _call(moov, method, path, body)
        assert response.status_code in (200, 201, 204), (method, path, response.content)
        assert response["X-Moov-Version"] == "v2024.01.00"
        uuid.UUID(response["x-request-id"])


@pytest.mark.parametrize("version", ["v2024.01.00", "v2025.04.03", "v2026.07.00", "v2026.10.12"])
def test_a_well_formed_version_is_echoed(moov, routes, version):
    for method, path, body in routes:
        response = _call(moov, method, path, body, HTTP_X_MOOV_VERSION=version)
        assert response.status_code in (200, 201, 204)
        assert response["X-Moov-Version"] == version


@pytest.mark.parametrize(
    "version",
    ["", "2024.01.00", "v2024.02.00", "v2024.1.0", "v24.01.00", "v2024.01.00 ", "latest", "v2024.01.001"],
)
def test_a_malformed_version_is_a_400_before_anything_else(api, routes, version):
    for method, path, body in routes:
        # Even without credentials: the version is read first.
        response = _call(api, method, path, body, HTTP_X_MOOV_VERSION=version)
        assert response.status_code == 400
        assert response.json() == {"error": "X-Moov-Version must have the form vYYYY.QQ.BB, e.g. v2024.01.00"}
        assert response["X-Moov-Version"] == "v2024.01.00"
        uuid.UUID(response["x-request-id"])


def test_no_credentials_is_a_401_on_every_route(api, routes):
    for method, path, body in routes:
        response = _call(api, method, path, body, HTTP_X_MOOV_VERSION="v2025.01.00")
        assert response.status_code == 401
        assert set(response.json()) == {"error"}
        assert response["WWW-Authenticate"]
        assert response["X-Moov-Version"] == "v2025.01.00"
        uuid.UUID(response["x-request-id"])


@pytest.mark.parametrize("authorization", ["Bearer nope", "Basic bm9wZTpub3Bl", "Basic !!!"])
def test_bad_credentials_are_a_401(api, account, authorization):
    response = api.get(invoices_path(account), HTTP_AUTHORIZATION=authorization)
    assert response.status_code == 401
    assert set(response.json()) == {"error"}


def test_http_basic_with_the_client_credentials_works(api, tenant, account):
    secret = base64.b64encode(
        f"{tenant.client.client_id}:{tenant.provisioned.client_secret}".encode()
    ).decode()
    api.credentials(HTTP_AUTHORIZATION=f"Basic {secret}")
    response = api.post(invoices_path(account), invoice_body(account, "5"), format="json")
    assert response.status_code == 201, response.content
    assert api.get(invoices_path(account)).status_code == 200


def test_writes_need_the_write_scope_and_reads_the_read_scope(moov, tenant, routes):
    AccessToken.objects.filter(application=tenant.client).update(scope="invoices.read")
    for method, path, body in routes:
        response = _call(moov, method, path, body)
        if method == "get":
            assert response.status_code == 200
        else:
            assert response.status_code == 403
            assert response.json() == {"error": "this credential lacks the invoices.write scope"}
    AccessToken.objects.filter(application=tenant.client).update(scope="invoices.write")
    credentials_changed()  # an UPDATE sends no signal (tenants.signals)
    response = moov.get(routes[0][1])
    assert (response.status_code, response.json()) == (
        403,
        {"error": "this credential lacks the invoices.read scope"},
    )


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_an_unknown_path_under_accounts_is_a_404_in_moov_s_envelope(tenant, account, method, settings):
    settings.DEBUG = True
    moov = APIClient(enforce_csrf_checks=True)  # as real clients are: a POST without a CSRF cookie
    moov.credentials(HTTP_AUTHORIZATION=f"Bearer {tenant.token}")
    response = getattr(moov, method)(f"/accounts/{account.id}/nothing-here")
    assert (response.status_code, response.json()) == (404, {"error": "Not Found"})
    uuid.UUID(response["x-request-id"])
    assert response["X-Moov-Version"]


def test_a_method_a_route_lacks_is_a_405_in_moov_s_envelope(moov, account):
    response = moov.delete(invoices_path(account))
    assert response.status_code == 405
    assert set(response.json()) == {"error"}
    assert response["X-Moov-Version"] == "v2024.01.00"


def test_errors_carry_the_request_id_that_was_sent(moov, account):
    mine = str(uuid.uuid4())
    response = moov.get(invoices_path(account, uuid.uuid4()), HTTP_X_REQUEST_ID=mine)
    assert response.status_code == 404
    assert response["x-request-id"] == mine
