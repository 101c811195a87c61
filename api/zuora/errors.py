"""Zuora's CRUD error bodies, in the shapes its SDK (zuora-sdk) deserializes each status into:

| status | body | SDK model |
| --- | --- | --- |
| 400 | `{"Success": false, "Errors": [{"Code", "Message"}]}` (rejectUnknownFields: `{"message"}`) | ProxyBadRequestResponse |
| 401 | `{"message": "Authentication error"}` | ProxyUnauthorizedResponse |
| 403 | `{"code": 50000010, "message"}` | CommonErrorResponse |
| 404 | the object named by the URL is not there: `{"done": true, "records": [], "size": 0}` | ProxyNoDataResponse |

Other statuses (and a path that is no route) keep the `Errors` envelope, which the SDK maps nothing to.
"""

from rest_framework.response import Response

from api import errors
from core import errors as app


class UnrecognisedFields(errors.RequestRefused):
    """rejectUnknownFields=true and the body holds a field the operation does not know."""

    status_code = 400
    default_detail = "Error - unrecognised fields"


STATUS_CODES = {
    400: "INVALID_VALUE",
    404: "INVALID_ID",
    405: "INVALID_VALUE",
    413: "INVALID_VALUE",
    415: "INVALID_VALUE",
    422: "INVALID_VALUE",
    429: "REQUEST_EXCEEDED_RATE",
    500: "UNKNOWN_ERROR",
    503: "LOCK_COMPETITION",  # Zuora's code for "the object is locked by another request, retry"
}


# Service errors name fields the ledger's way; a Zuora client reads its own field names.
FIELD_NAMES = {
    "amount": "Amount",
    "invoice_id": "InvoiceId",
    "payment_id": "PaymentId",
    "currency": "Currency",
    "account_id": "AccountId",
    "invoice_payment_id": "Id",
    "refund_id": "Id",
    "status": "Status",
    "name": "Name",
    "parts": "RefundInvoicePaymentData",
    "parts.amount": "RefundAmount",
}


def envelope(code: str, message: str) -> dict:
    return {"Success": False, "Errors": [{"Code": code, "Message": message}]}


# A CRUD read of an object that is not there answers an empty query result.
NO_DATA = {"done": True, "records": [], "size": 0}
# Zuora's numeric codes are a 6-digit resource code and a 2-digit category: 500000 is the one it gives when
# the request names no field (Zuora's "unknown object and field"), 10 "permission or access denied".
FORBIDDEN_CODE = 50000010


class ZuoraErrors(errors.ErrorRenderer):
    path_prefix = "/v1/"
    # Zuora answers broken business rules with 400 and an error code, not 409/422.
    application_status = {**errors.APPLICATION_STATUS, app.Conflict: 400, app.Invalid: 400}

    def body(self, status, message, exc=None):
        if status == 401:
            return {"message": "Authentication error"}
        if status == 403:
            return {"code": FORBIDDEN_CODE, "message": message}
        if isinstance(exc, UnrecognisedFields):
            return {"message": "Error - unrecognised fields"}
        return envelope(STATUS_CODES.get(status, "INVALID_VALUE"), message)

    def handle(self, exc, context):
        if isinstance(exc, app.NotFound):
            view, request = context.get("view"), context.get("request")
            # The object named by the URL is a 404; an id inside a request body is Zuora's INVALID_ID 400.
            in_path = (request is not None and request.method == "GET") or exc.field == getattr(
                view, "path_field", None
            )
            if in_path:
                return Response(NO_DATA, status=404)
            field = FIELD_NAMES.get(exc.field, exc.field) or "Id"
            return Response(envelope("INVALID_ID", f"{field}: {exc.message}"), status=400)
        if isinstance(exc, app.ApplicationError) and not isinstance(exc, app.Forbidden):
            status = self.application_status[type(exc)]
            code = "DUPLICATE_VALUE" if exc.code == "duplicate" else "INVALID_VALUE"
            field = FIELD_NAMES.get(exc.field, exc.field)
            message = f"{field}: {exc.message}" if field else exc.message
            return Response(envelope(code, message), status=status)
        return super().handle(exc, context)

    def validation_status(self):
        return 400

    def validation_body(self, status, exc, context):
        items = []
        for path, detail in flatten(exc.detail):
            code = (
                "MISSING_REQUIRED_VALUE"
                if getattr(detail, "code", "") in ("required", "null", "blank")
                else ("INVALID_VALUE")
            )
            items.append(
                {"Code": code, "Message": f"{'.'.join(map(str, path))}: {detail}" if path else str(detail)}
            )
        return {"Success": False, "Errors": items}


def flatten(detail, path=()):
    """(path, error) for each error in a DRF error tree: the path's keys and list positions."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            yield from flatten(value, (*path, key) if key != "non_field_errors" else path)
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            yield from flatten(value, path if isinstance(value, str) else (*path, index))
    else:
        yield path, detail


RENDERER = errors.register(ZuoraErrors())


class ZuoraTokenErrors(ZuoraErrors):
    """The same envelopes for what the middleware and Django answer under /oauth/ (413, 404, 405, 500)."""

    path_prefix = "/oauth/"


errors.register(ZuoraTokenErrors())
