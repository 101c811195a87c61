"""The OpenAPI schema at /api/schema/ describes every route of the three dialects, and the golden JSON
fixtures (the vendors' documented shapes) conform to the response components it declares."""

import json
import re
from pathlib import Path

import jsonschema
import pytest
from django.test import Client
from django.urls import URLResolver

from api.dayzero import urls as dayzero_urls
from api.moov import urls as moov_urls
from api.zuora import urls as zuora_urls
from api.zuora.middleware import valid_track_id

GOLDEN = Path(__file__).parent
DIALECTS = {
    "Zuora": ("/v1/", zuora_urls),
    "DayZero": ("/api/v1/", dayzero_urls),
    "Moov": ("/accounts/", moov_urls),
}


@pytest.fixture(scope="module")
def schema():
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()


def _patterns(patterns, prefix=""):
    """(path, pattern) of every route, included ones too."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def routes():
    for tag, (prefix, urls) in DIALECTS.items():
        for route, pattern in _patterns(urls.urlpatterns):
            path = prefix + re.sub(r"<str:(\w+)>", r"{\1}", route)
            view = getattr(pattern.callback, "view_class", None)  # the catch-all 404 is a plain function
            for method in ("get", "post", "put", "patch", "delete"):
                if view is not None and hasattr(view, method):
                    yield tag, path, method


@pytest.mark.parametrize(("tag", "path", "method"), list(routes()))
def test_every_route_is_described(schema, tag, path, method):
    operation = schema["paths"][path][method]
    assert operation["tags"] == [tag]
    assert operation["security"] == [{"bearerAuth": []}, {"basicAuth": []}]
    success = [status for status in operation["responses"] if status.startswith("2")]
    assert len(success) == 1
    if success != ["204"]:
        body = operation["responses"][success[0]]["content"]["application/json"]["schema"]
        assert "$ref" in body or "$ref" in body.get("items", {}), body
    for status in ("400", "401", "403", "429"):
        assert operation["responses"][status]["content"]["application/json"]["schema"]
    if "{" in path:
        assert "404" in operation["responses"]
    headers = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "header"}
    if method in ("post", "patch"):
        assert "Idempotency-Key" in headers
    if tag == "DayZero":
        assert headers["x-business-id"]["required"]
    assert operation["responses"][success[0]]["headers"]["x-request-id"]["required"]


def test_the_token_endpoint_is_described(schema):
    operation = schema["paths"]["/oauth/token"]["post"]
    assert operation["tags"] == ["Zuora"]
    assert {"200", "400", "401", "429"} <= set(operation["responses"])


def test_both_credentials_are_security_schemes(schema):
    schemes = schema["components"]["securitySchemes"]
    assert (schemes["bearerAuth"]["scheme"], schemes["basicAuth"]["scheme"]) == ("bearer", "basic")


def test_the_track_id_pattern_is_the_middlewares_rule(schema):
    parameters = schema["paths"]["/v1/object/payment"]["post"]["parameters"]
    pattern = next(p["schema"]["pattern"] for p in parameters if p["name"] == "Zuora-Track-Id")
    for character in map(chr, range(0x20, 0x100)):
        assert bool(re.fullmatch(pattern, character)) == valid_track_id(character), repr(character)


# Golden file -> the component its body is (a list of it when in brackets).
GOLDEN_COMPONENTS = {
    "zuora/golden/account.json": "ZuoraAccount",
    "zuora/golden/invoice.json": "ZuoraInvoice",
    "zuora/golden/payment.json": "ZuoraPayment",
    "zuora/golden/invoice_payment.json": "ZuoraInvoicePayment",
    "zuora/golden/refund.json": "ZuoraRefund",
    "dayzero/golden/account_create.json": "DayZeroAccount",
    "dayzero/golden/account_list.json": "DayZeroAccountPage",
    "dayzero/golden/invoice_create.json": "DayZeroInvoice",
    "dayzero/golden/invoice_get.json": "DayZeroInvoice",
    "dayzero/golden/invoice_finalize.json": "DayZeroInvoice",
    "dayzero/golden/invoice_void.json": "DayZeroInvoice",
    "dayzero/golden/invoice_after_unlinking.json": "DayZeroInvoice",
    "dayzero/golden/invoice_list.json": "DayZeroInvoicePage",
    "dayzero/golden/transaction_create.json": "DayZeroTransaction",
    "dayzero/golden/transaction_get.json": "DayZeroTransaction",
    "dayzero/golden/transaction_list.json": "DayZeroTransactionPage",
    "dayzero/golden/invoice_payment_create.json": "DayZeroInvoicePayment",
    "dayzero/golden/invoice_payment_get.json": "DayZeroInvoicePayment",
    "dayzero/golden/invoice_payment_list.json": "DayZeroInvoicePaymentListedPage",
    "dayzero/golden/error_400.json": "DayZeroHTTPError",
    "dayzero/golden/error_401.json": "DayZeroHTTPError",
    "dayzero/golden/error_403.json": "DayZeroHTTPError",
    "dayzero/golden/error_404.json": "DayZeroHTTPError",
    "dayzero/golden/error_422_body.json": "DayZeroHTTPValidationError",
    "dayzero/golden/error_422_missing_header.json": "DayZeroHTTPValidationError",
    "dayzero/golden/error_422_over_unallocated.json": "DayZeroHTTPValidationError",
    "dayzero/golden/error_422_query.json": "DayZeroHTTPValidationError",
    "moov/golden/invoice_create.json": "MoovInvoice",
    "moov/golden/invoice_sent.json": "MoovInvoice",
    "moov/golden/invoice_list.json": "[MoovInvoice]",
    "moov/golden/payment_create.json": "MoovInvoicePayment",
    "moov/golden/payment_list.json": "[MoovInvoicePayment]",
}


def test_every_golden_file_is_mapped():
    assert {str(path.relative_to(GOLDEN)) for path in GOLDEN.glob("*/golden/*.json")} == set(
        GOLDEN_COMPONENTS
    )


def _json_schema(node):
    """OpenAPI 3.0's `nullable` in plain JSON Schema (draft 4, whose boolean exclusiveMinimum OAS 3.0 uses)."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _json_schema(value) for key, value in node.items() if key != "nullable"}
    return {"anyOf": [converted, {"type": "null"}]} if node.get("nullable") else converted


def _filled(body, zuora: bool):
    """The golden file's placeholders as the values they stand for."""
    if isinstance(body, dict):
        return {key: _filled(value, zuora) for key, value in body.items()}
    if isinstance(body, list):
        return [_filled(item, zuora) for item in body]
    if not isinstance(body, str):
        return body
    body = body.replace("<base-url>", "http://testserver")
    if body == "<datetime>":
        return "2026-01-20T14:45:00Z"
    if body == "<date>":
        return "2026-01-20"
    one_id = "99e7ebb0999649b298f0304c7332ece6" if zuora else "99e7ebb0-9996-49b2-98f0-304c7332ece6"
    return re.sub(r"<[\w:-]+>", one_id, body)


@pytest.mark.parametrize("golden", sorted(GOLDEN_COMPONENTS))
def test_golden_bodies_conform_to_the_schema(schema, golden):
    component = GOLDEN_COMPONENTS[golden]
    ref = {"$ref": f"#/components/schemas/{component.strip('[]')}"}
    root = {**({"type": "array", "items": ref} if component.startswith("[") else ref)}
    root["components"] = {"schemas": _json_schema(schema["components"]["schemas"])}
    body = _filled(json.loads((GOLDEN / golden).read_text()), zuora=golden.startswith("zuora"))
    jsonschema.Draft4Validator(root, format_checker=jsonschema.FormatChecker()).validate(body)
