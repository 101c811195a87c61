"""`/`: the service's name and its links, as a page for a browser and as JSON for a client asking for it."""

import pytest
from django.test import Client

LINKS = {"docs": "/api/docs/", "schema": "/api/schema/", "admin": "/admin/", "health": "/healthz"}
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize("accept", [BROWSER, "*/*", None])
def test_a_browser_or_curl_gets_a_page_naming_the_service_and_linking_the_api_docs_schema_admin_and_health(
    accept,
):
    headers = {"Accept": accept} if accept else {}
    response = Client().get("/", headers=headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "Accept" in response["Vary"]
    page = response.content.decode()
    assert "<h1>Invoice payments</h1>" in page
    for href in LINKS.values():
        assert f'href="{href}"' in page


@pytest.mark.parametrize("accept", ["application/json", "application/json, text/html;q=0.5"])
def test_a_client_asking_for_json_gets_the_links_as_json(accept):
    response = Client().get("/", headers={"Accept": accept})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["service"] == "Invoice payments"
    assert response.json()["links"] == LINKS


@pytest.mark.django_db
def test_every_link_answers():
    client = Client()
    assert {name: client.get(href).status_code for name, href in LINKS.items()} == {
        "docs": 200,
        "schema": 200,
        "admin": 302,  # to its login page
        "health": 200,
    }


def test_only_get_and_head():
    assert Client().head("/").status_code == 200
    assert Client().post("/").status_code == 405
