"""Moov's envelopes: `{"error": "..."}` (the SDK's GenericError) for HTTP errors and, with status 422, the
messages laid out in the request's own shape, fitted to the operation's error model (error_shapes.py):
`{"amount": {"valueDecimal": "must have at most 9 decimal places"}, "foreignID": "..."}`. A refusal whose
field has no place in that model is a 400 GenericError."""

from rest_framework.response import Response
from rest_framework.settings import api_settings

from api import errors
from api.moov.error_shapes import first, fit
from core import errors as app

# DRF's generic messages, worded like the rest of ours.
MESSAGES = {
    "required": "is required",
    "null": "must not be null",
    "null_characters_not_allowed": "must not contain NUL characters",
}

# Where the services' field names stand in Moov's requests: each dotted part of a service's field
# ("lines.2.options.0.price_modifier") in Moov's words, positions kept.
REQUEST_NAMES = {
    "lines": ("lineItems", "items"),
    "unit_price": ("basePrice", "valueDecimal"),
    "price_modifier": ("priceModifier", "valueDecimal"),
    "product_id": ("productID",),
    "tax": ("amountDetails", "tax"),
    "surcharge": ("amountDetails", "surcharge"),
    "account_id": ("customerAccountID",),
    "customer_email": ("customerEmail",),
    "number": ("invoiceNumber",),
    "invoice_date": ("invoiceDate",),
    "due_date": ("dueDate",),
    "foreign_id": ("foreignID",),
    "paid_on": ("paymentDate",),
    "amount": ("amount", "valueDecimal"),
    "expires_at": ("expiresOn",),
}


def request_path(field: str, names: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    return tuple(part for name in field.split(".") for part in names.get(name, (name,)))


def field_messages(detail):
    """DRF's error detail (dicts of lists of ErrorDetail) as one message per field, nested like the request;
    a list of objects by the positions that failed ({"0": {...}})."""
    if isinstance(detail, dict):
        # A nested object that is not an object at all reports under non_field_errors: say it of the field.
        if set(detail) == {api_settings.NON_FIELD_ERRORS_KEY}:
            return field_messages(detail[api_settings.NON_FIELD_ERRORS_KEY])
        return {key: field_messages(value) for key, value in detail.items()}
    if isinstance(detail, list):
        if detail and all(isinstance(item, dict) for item in detail):
            return {str(n): field_messages(item) for n, item in enumerate(detail) if item}
        return field_messages(detail[0])
    return MESSAGES.get(getattr(detail, "code", None), str(detail))


def nested(path: tuple[str, ...], message: str) -> dict:
    body = message
    for key in reversed(path):
        body = {key: body}
    return body


class MoovErrors(errors.ErrorRenderer):
    path_prefix = "/accounts/"

    def body(self, status, message, exc=None):
        return {"error": message}

    def validation_body(self, status, exc, context):
        return field_messages(exc.detail)

    def handle(self, exc, context):
        view = context.get("view")
        shape = getattr(view, "error_shapes", {}).get(getattr(context.get("request"), "method", None))
        if isinstance(exc, app.Invalid):
            # A service names its own field ("lines.0.quantity"); the view's request has it under Moov's name.
            names = {**REQUEST_NAMES, **getattr(view, "request_names", {})}
            messages = nested(request_path(exc.field or "", names), exc.message) if exc.field else {}
            return self._fitted(messages, shape, exc.message)
        response = super().handle(exc, context)
        if response is not None and response.status_code == 429 and hasattr(view, "limited_channels"):
            response.data = {**response.data, **view.limited_channels(int(response["Retry-After"]))}
        in_fields = response is not None and response.status_code == 422 and isinstance(response.data, dict)
        # A validation error (fields), not an edge refusal such as a reused Idempotency-Key ({"error": ...}).
        if in_fields and set(response.data) != {"error"}:
            return self._fitted(response.data, shape, first(response.data) if response.data else "invalid")
        return response

    def _fitted(self, messages: dict, shape, message: str) -> Response:
        fitted = fit(messages, shape()) if shape is not None else messages
        if fitted:
            return Response(fitted, status=422)
        return Response({"error": first(messages) if messages else message}, status=400)


RENDERER = errors.register(MoovErrors())
