"""The official Moov SDK (moovio-sdk) pointed at a live server of this app, for the contract suite
(test_sdk_contract*.py): every call goes through the SDK's own request building, response validation and
error mapping."""

from decimal import Decimal

import httpx
from moovio_sdk import Moov
from moovio_sdk.models import components

# What the SDK sends as X-Moov-Version (its OpenAPI document's version); the app echoes it.
SDK_VERSION = "v2026.07.00"
TIMEOUT_MS = 20_000


def basic_client(tenant, url: str) -> Moov:
    """The SDK's own security: HTTP Basic with the tenant's client id and secret."""
    security = components.Security(
        username=tenant.client.client_id, password=tenant.provisioned.client_secret
    )
    return Moov(server_url=url, security=security, timeout_ms=TIMEOUT_MS)


def bearer_client(tenant, url: str) -> Moov:
    """The SDK's security is Basic only: a Bearer token rides on the HTTP client's default headers."""
    http = httpx.Client(headers={"Authorization": f"Bearer {tenant.token}"}, follow_redirects=True)
    return Moov(server_url=url, client=http, timeout_ms=TIMEOUT_MS)


def money(value: str, currency: str = "USD") -> dict:
    return {"currency": currency, "value_decimal": value}


def line(name: str, price: str, quantity: int = 1, **fields) -> dict:
    return {"name": name, "base_price": money(price), "quantity": quantity, **fields}


def amount_of(model) -> Decimal:
    """An SDK AmountDecimal as a number."""
    return Decimal(model.value_decimal)


def assert_moov_headers(headers) -> None:
    """A request id and the version echoed: in a result's headers (lists of values by lower-case name) or
    in a typed error's (httpx's)."""

    def one(name: str) -> str:
        value = headers[name]
        return value[0] if isinstance(value, list) else value

    assert one("x-moov-version") == SDK_VERSION
    assert len(one("x-request-id")) == 36
