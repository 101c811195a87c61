import uuid

import pytest
from django.db import connection
from django.http import JsonResponse
from django.test import Client
from django.urls import path


def boom(request):
    raise RuntimeError("boom")


def what_the_view_sees(request):
    seen = {name: hasattr(request, name) for name in ("session", "user", "_messages")}
    return JsonResponse(seen)


urlpatterns = [
    path("boom", boom),
    path("admin/seen", what_the_view_sees),
    path("api/v1/seen", what_the_view_sees),
    path("v1/seen", what_the_view_sees),
    path("accounts/seen", what_the_view_sees),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/healthz", 200),
        ("/readyz", 200),
        ("/api/v1/accounts", 401),
        ("/api/v1/nowhere", 404),
        ("/api/schema/", 200),
        ("/api/docs/", 200),
    ],
)
def test_every_response_carries_a_request_id(path, status):
    response = Client().get(path)
    assert response.status_code == status
    uuid.UUID(response["x-request-id"])


def test_a_500_carries_a_request_id_and_json(settings):
    settings.ROOT_URLCONF = __name__
    response = Client(raise_request_exception=False).get("/boom")
    assert response.status_code == 500
    uuid.UUID(response["x-request-id"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "site"),
    [("/admin/seen", True), ("/api/v1/seen", False), ("/v1/seen", False), ("/accounts/seen", False)],
)
def test_sessions_the_staff_user_and_messages_are_loaded_for_the_site_only(settings, path, site):
    """The dialects' views authenticate their credential and use none of them: each costs CPU on every
    API request (api.middleware._SiteOnly)."""
    settings.ROOT_URLCONF = __name__
    seen = Client().get(path).json()
    assert seen == {"session": site, "user": site, "_messages": site}


@pytest.mark.django_db
def test_a_valid_incoming_request_id_is_kept_and_a_bad_one_replaced():
    mine = str(uuid.uuid4())
    assert Client().get("/healthz", HTTP_X_REQUEST_ID=mine)["x-request-id"] == mine
    assert Client().get("/healthz", HTTP_X_REQUEST_ID="<script>")["x-request-id"] != "<script>"


def test_readyz_is_503_when_the_database_is_unreachable(django_db_blocker, monkeypatch):
    with django_db_blocker.unblock():
        connection.close()
        monkeypatch.setitem(connection.settings_dict, "HOST", "127.0.0.1")
        monkeypatch.setitem(connection.settings_dict, "PORT", "1")
        try:
            response = Client().get("/readyz")
        finally:
            connection.close()
    assert response.status_code == 503
    assert response.json()["checks"]["database"].startswith("unavailable")


@pytest.mark.django_db
def test_openapi_schema_and_docs_work_offline():
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    assert "/api/v1/accounts" in schema.json()["paths"]
    docs = Client().get("/api/docs/").content.decode()
    assert "drf_spectacular_sidecar" in docs and "cdn" not in docs.lower()


@pytest.mark.django_db
def test_malformed_json_is_a_400_in_the_dialect_envelope(tenant):
    response = Client().post(
        "/api/v1/accounts",
        "{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {tenant.token}",
        HTTP_X_BUSINESS_ID=str(tenant.business_id),
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("malformed JSON")
