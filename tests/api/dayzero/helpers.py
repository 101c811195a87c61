from pathlib import Path

from rest_framework.test import APIClient

from tests.golden import assert_golden

GOLDEN = Path(__file__).parent / "golden"


def client_for(tenant, **headers) -> APIClient:
    """An API client that sends the tenant's token and x-business-id (plus `headers`) on every call."""
    client = APIClient()
    client.credentials(
        **{
            "HTTP_AUTHORIZATION": f"Bearer {tenant.token}",
            "HTTP_X_BUSINESS_ID": str(tenant.business_id),
            **headers,
        }
    )
    return client


def golden(name: str, body, names: dict | None = None) -> None:
    assert_golden(GOLDEN / f"{name}.json", body, {str(k): v for k, v in (names or {}).items()})


def locs(response) -> list[tuple[list, str]]:
    """The (loc, type) of each item of a FastAPI 422."""
    assert response.status_code == 422, response.content
    return [(item["loc"], item["type"]) for item in response.json()["detail"]]
