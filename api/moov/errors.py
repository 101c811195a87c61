"""Moov's envelopes: `{"error": "..."}` for HTTP errors and, with status 422, the messages laid out in the
request's own shape: `{"amount": {"valueDecimal": "must have at most 9 decimal places"}, "foreignID": "..."}`."""

from rest_framework.response import Response
from rest_framework.settings import api_settings

from api import errors
from core import errors as app

# DRF's generic messages, worded like the rest of ours.
MESSAGES = {
    "required": "is required",
    "null": "must not be null",
    "null_characters_not_allowed": "must not contain NUL characters",
}


def field_messages(detail):
    """DRF's error detail (dicts of lists of ErrorDetail) as one message per field, nested like the request."""
    if isinstance(detail, dict):
        # A nested object that is not an object at all reports under non_field_errors: say it of the field.
        if set(detail) == {api_settings.NON_FIELD_ERRORS_KEY}:
            return field_messages(detail[api_settings.NON_FIELD_ERRORS_KEY])
        return {key: field_messages(value) for key, value in detail.items()}
    if isinstance(detail, list):
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
        if isinstance(exc, app.Invalid):
            # A service names its own field ("amount"); the view knows where that sits in its request.
            path = getattr(context.get("view"), "error_fields", {}).get(exc.field)
            if path:
                return Response(nested(path, exc.message), status=422)
        return super().handle(exc, context)


RENDERER = errors.register(MoovErrors())
