import json
from pathlib import Path

from django.conf import settings
from rest_framework.test import APIClient

from tests.golden import assert_golden

GOLDEN = Path(__file__).parent / "golden"


def client_for(tenant, **headers) -> APIClient:
    """An API client that sends the tenant's token (plus `headers`) on every call."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tenant.token}", **headers)
    return client


def invoices_path(account, invoice_id=None, suffix="") -> str:
    path = f"/accounts/{account.id if hasattr(account, 'id') else account}/invoices"
    return f"{path}/{invoice_id}{suffix}" if invoice_id else path


def golden(name: str, body, names: dict | None = None, codes=()) -> None:
    """The body against golden/<name>.json. Payment-link codes are random but not UUIDs: name them too,
    and the public base URL, which comes from the environment."""
    text = json.dumps(body).replace(settings.PUBLIC_BASE_URL, "<base-url>")
    for code in codes:
        text = text.replace(code, "<link-code>")
    assert_golden(GOLDEN / f"{name}.json", json.loads(text), {str(k): v for k, v in (names or {}).items()})
