import pytest

from tests.api.dayzero.helpers import golden

pytestmark = pytest.mark.django_db


def _h(tenant):
    return {"HTTP_AUTHORIZATION": f"Bearer {tenant.token}", "HTTP_X_BUSINESS_ID": str(tenant.business_id)}


def test_create_get_and_list_accounts(api, tenant):
    created = api.post(
        "/api/v1/accounts",
        {"name": "Acme", "email": "ap@acme.test", "currency": "EUR"},
        format="json",
        **_h(tenant),
    )
    assert created.status_code == 201, created.content
    body = created.json()
    golden("account_create", body, {body["id"]: "account"})
    assert body["name"] == "Acme" and body["currency"] == "EUR" and body["email"] == "ap@acme.test"
    assert api.get(f"/api/v1/accounts/{body['id']}", **_h(tenant)).json() == body
    listed = api.get("/api/v1/accounts", **_h(tenant)).json()
    golden("account_list", listed, {body["id"]: "account"})
    assert [a["id"] for a in listed["items"]] == [body["id"]]


def test_another_tenants_account_is_404_and_absent_from_lists(api, tenant, other_tenant):
    theirs = other_tenant.account()
    response = api.get(f"/api/v1/accounts/{theirs.id}", **_h(tenant))
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}
    assert api.get("/api/v1/accounts", **_h(tenant)).json()["items"] == []


@pytest.mark.parametrize("account_id", ["nope", "00000000-0000-0000-0000-000000000000"])
def test_unknown_account_is_404(api, tenant, account_id):
    assert api.get(f"/api/v1/accounts/{account_id}", **_h(tenant)).status_code == 404


def test_missing_business_header_is_fastapi_422(api, tenant):
    response = api.get("/api/v1/accounts", HTTP_AUTHORIZATION=f"Bearer {tenant.token}")
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {"loc": ["header", "x-business-id"], "msg": "Field required", "type": "missing", "input": None}
        ]
    }


@pytest.mark.parametrize(
    ("body", "loc", "kind"),
    [
        ({"currency": "USD"}, ["body", "name"], "missing"),
        ({"name": 5, "currency": "USD"}, ["body", "name"], "string_type"),
        ({"name": "A", "currency": "JPY"}, ["body", "currency"], "enum"),
        ({"name": "A", "currency": "USD", "email": "nope"}, ["body", "email"], "value_error"),
        ({"name": "x" * 201, "currency": "USD"}, ["body", "name"], "string_too_long"),
    ],
)
def test_account_validation_errors(api, tenant, body, loc, kind):
    response = api.post("/api/v1/accounts", body, format="json", **_h(tenant))
    assert response.status_code == 422
    errors = response.json()["detail"]
    assert [(e["loc"], e["type"]) for e in errors] == [(loc, kind)]


def test_a_json_array_body_is_422(api, tenant):
    response = api.post("/api/v1/accounts", [1, 2], format="json", **_h(tenant))
    assert response.status_code == 422


def test_cursor_pagination_walks_both_ways(api, tenant):
    ids = [tenant.account().id for _ in range(5)]
    first = api.get("/api/v1/accounts?limit=2&include_total_count=true", **_h(tenant)).json()
    assert [a["id"] for a in first["items"]] == [str(i) for i in ids[:2]]
    assert first["total_count"] == 5 and first["prev_cursor"] is None
    second = api.get(f"/api/v1/accounts?limit=2&cursor={first['next_cursor']}", **_h(tenant)).json()
    assert [a["id"] for a in second["items"]] == [str(i) for i in ids[2:4]]
    back = api.get(
        f"/api/v1/accounts?limit=2&direction=prev&cursor={second['prev_cursor']}", **_h(tenant)
    ).json()
    assert back["items"] == first["items"]
    assert back["prev_cursor"] is None


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "cursor=%%%", "direction=up"])
def test_bad_pagination_is_422_at_query_loc(api, tenant, query):
    response = api.get(f"/api/v1/accounts?{query}", **_h(tenant))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "query"
