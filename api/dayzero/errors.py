"""DayZero's envelopes: FastAPI's. `{"detail": "..."}` for HTTP errors and, for validation,
`{"detail": [{"loc": [...], "msg": ..., "type": ..., "input": ..., "ctx": {...}}]}` with status 422."""

import math
from decimal import Decimal

from rest_framework import exceptions as drf
from rest_framework.response import Response

from api import errors
from core import errors as app

# DRF error codes -> pydantic v2 error types and messages, so clients see what FastAPI would send.
PYDANTIC_ERRORS = {
    "required": ("missing", "Field required"),
    "null": ("missing", "Field required"),
    "invalid": ("value_error", None),
    "blank": ("string_too_short", "String should have at least 1 character"),
    "max_length": ("string_too_long", None),
    "min_value": ("greater_than_equal", None),
    "max_value": ("less_than_equal", None),
    "invalid_choice": ("enum", None),
    "max_string_length": ("string_too_long", None),
    "int_type": ("int_type", None),
    "int_parsing": ("int_parsing", None),
    "int_from_float": ("int_from_float", None),
    "greater_than": ("greater_than", None),
    "less_than": ("less_than", None),
    "uuid_parsing": ("uuid_parsing", None),
    "datetime_parsing": ("datetime_parsing", None),
    "date_parsing": ("date_parsing", None),
    "bool_parsing": ("bool_parsing", None),
    "string_type": ("string_type", None),
    "not_a_list": ("list_type", None),
}

# Ledger rules whose own wording would mislead a DayZero client (the service quotes a decimal amount
# where DayZero speaks in cents).
RULE_MESSAGES = {
    "over_unallocated": "the amount exceeds the transaction's unallocated amount",
}


def _lookup(data, path):
    for key in path:
        if (isinstance(data, dict) and key in data) or (
            isinstance(data, list) and isinstance(key, int) and key < len(data)
        ):
            data = data[key]
        else:
            return None
    return data


def _flatten(detail, path=()):
    if isinstance(detail, dict):
        for key, value in detail.items():
            yield from _flatten(value, (*path, key))
    elif isinstance(detail, list) and detail and not isinstance(detail[0], str):
        for index, value in enumerate(detail):
            yield from _flatten(value, (*path, index))
    elif isinstance(detail, list):
        for item in detail:
            yield path, item
    else:
        yield path, detail


def _echo(value):
    """The input as JSON can carry it back: a number too large for a float (1e999999) as text."""
    if isinstance(value, Decimal):
        return value if math.isfinite(float(value)) else str(value)
    if isinstance(value, list):
        return [_echo(item) for item in value]
    if isinstance(value, dict):
        return {key: _echo(item) for key, item in value.items()}
    return value


def _body(request):
    """The request's parsed body, or None if it has none that parses: an error about the query must not
    be turned into a 500 by a body nobody asked for (a GET with `Content-Type: multipart/form-data`)."""
    try:
        return request.data
    except (AttributeError, drf.APIException):
        return None


def validation_item(loc: list, code: str, message: str, value=None, ctx: dict | None = None) -> dict:
    kind, fixed = PYDANTIC_ERRORS.get(code, ("value_error", None))
    item = {"loc": loc, "msg": fixed or message, "type": kind, "input": _echo(value)}
    if ctx:
        item["ctx"] = ctx
    return item


class DayZeroErrors(errors.ErrorRenderer):
    path_prefix = "/api/v1/"
    # DayZero reports broken business rules (not open, over the remainder) as validation errors.
    application_status = {**errors.APPLICATION_STATUS, app.Invalid: 422, app.Conflict: 422}

    def body(self, status, message, exc=None):
        if isinstance(exc, errors.MissingHeader):
            return {"detail": [validation_item(["header", exc.header], "required", "")]}
        if status == 404:
            return {"detail": "Not Found"}
        return {"detail": message}

    def handle(self, exc, context):
        if isinstance(exc, app.ApplicationError) and self.application_status[type(exc)] == 422:
            return Response({"detail": [self.rule_item(exc, context)]}, status=422)
        return super().handle(exc, context)

    def rule_item(self, exc: app.ApplicationError, context) -> dict:
        """A broken business rule, located where the client sent the value: the view's `error_locs`
        translate the service's field names (a path parameter, a body field under another name)."""
        view = context.get("view")
        loc = getattr(view, "error_locs", {}).get(exc.field)
        if loc is None:
            loc = ("body", *(exc.field.split(".") if exc.field else ()))
        source = getattr(view, "kwargs", None) if loc[0] == "path" else _body(context.get("request"))
        message = RULE_MESSAGES.get(exc.code, exc.message)
        message = message[:1].upper() + message[1:]
        return validation_item(list(loc), exc.code, f"Value error, {message}", _lookup(source, loc[1:]))

    def validation_body(self, status, exc: drf.ValidationError, context):
        request = context.get("request")
        items = []
        for path, error in _flatten(exc.detail):
            loc = ["body", *path] if path and path[0] != "query" else list(path)
            source = (
                _body(request)
                if loc[:1] == ["body"]
                else (request.query_params if request is not None else {})
            )
            code = getattr(error, "code", "invalid")
            if loc[:1] == ["query"]:
                value = _lookup(source, path[1:])
            else:
                # pydantic echoes the object a required field is missing from.
                value = _lookup(source, path[:-1] if code == "required" else path)
            items.append(validation_item(loc, code, str(error), value))
        return {"detail": items}


RENDERER = errors.register(DayZeroErrors())
