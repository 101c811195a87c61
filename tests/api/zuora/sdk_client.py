"""Zuora's Python SDK (zuora-sdk) pointed at a live server of this app, for the SDK suites (test_sdk*.py)."""

from zuora_sdk.zuora_client import ZuoraClient

# What the SDK's CRUD operations map each status to (UsageApi.get_usage; the updates, e.g.
# ProductRatePlanChargesApi.update_product_rate_plan_charge, the same; the creations have no 404).
CRUD = {
    "200": "object",
    "400": "ProxyBadRequestResponse",
    "401": "ProxyUnauthorizedResponse",
    "403": "CommonErrorResponse",
    "404": "ProxyNoDataResponse",
}


def call(client: ZuoraClient, method: str, path: str, types: dict, body=None):
    """One request the way a generated operation makes it (param_serialize, call_api, response_deserialize):
    the data on 2xx, an ApiException whose `data` is the status's model otherwise."""
    headers = {"Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    api = client.api_client
    response = api.call_api(*api.param_serialize(method, path, header_params=headers, body=body))
    response.read()
    return api.response_deserialize(response_data=response, response_types_map=types).data
