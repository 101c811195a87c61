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


def invoices_path(merchant, invoice_id=None, suffix="") -> str:
    """The path of the merchant's invoices: `merchant` is an entity id, or a customer account (its entity)."""
    path = f"/accounts/{getattr(merchant, 'entity_id', merchant)}/invoices"
    return f"{path}/{invoice_id}{suffix}" if invoice_id else path


def invoice_body(account, total="100.00", currency="USD", **fields) -> dict:
    """A create_invoice body for `account`: one line of `total`, and `fields` in Moov's words."""
    line = {"name": "Services", "basePrice": {"currency": currency, "valueDecimal": total}, "quantity": 1}
    return {"customerAccountID": str(account.id), "lineItems": {"items": [line]}, **fields}


def golden(name: str, body, names: dict | None = None, codes=()) -> None:
    """The body against golden/<name>.json. Payment-link codes are random but not UUIDs: name them too,
    and the public base URL, which comes from the environment."""
    text = json.dumps(body).replace(settings.PUBLIC_BASE_URL, "<base-url>")
    for code in codes:
        text = text.replace(code, "<link-code>")
    assert_golden(GOLDEN / f"{name}.json", json.loads(text), {str(k): v for k, v in (names or {}).items()})
