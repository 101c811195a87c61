"""The Invoice Settlement API's error bodies, in the models zuora-sdk reads each status into:

| status | body | SDK model |
| --- | --- | --- |
| 400 | `{"success": false, "requestId", "reasons": [{"code", "message"}]}` | CommonResponse |
| 401 | `{"message": "Authentication error"}` | ProxyUnauthorizedResponse |
| 403 | `{"code", "message"}` | CommonErrorResponse |

A refusal the SDK maps no model to (404 for a path that is no route, 405, 413, 415, 429, 503) keeps
CommonResponse's shape. An object that is not there is a 400 whose reason is in the "not found" category,
as Zuora answers; so is a rule the ledger refuses (Zuora's "rule restriction"), never a 409 or 422.

A reason's code is Zuora's eight digits: a six-digit resource code and a two-digit category. Zuora derives
the resource from the field at fault; this service does not classify its fields, and gives 500000, the
code Zuora documents for "unknown object and field", with the category that says what went wrong.
"""

import re

from rest_framework import exceptions as drf
from rest_framework.response import Response

from api import errors, observability
from api.zuora.errors import FORBIDDEN_CODE, UnrecognisedFields, flatten
from core import errors as app

RESOURCE = "500000"
# Zuora's error categories (its "Error Category Codes").
INVALID, UNKNOWN_FIELD, MISSING, RULE, NOT_FOUND, BUSY, INTERNAL, LIMIT, MALFORMED = (
    "20",
    "21",
    "22",
    "30",
    "40",
    "50",
    "60",
    "70",
    "90",
)
STATUS_CATEGORY = {404: NOT_FOUND, 405: MALFORMED, 413: INVALID, 415: MALFORMED, 429: LIMIT, 503: BUSY}

# The ledger names fields its own way; a Zuora client reads the names it sent.
FIELD_NAMES = {
    "account_id": "accountId",
    "invoice_id": "invoiceId",
    "payment_id": "paymentKey",
    "refund_id": "refundKey",
    "invoice_payment_id": "partId",
    "invoice_date": "invoiceDate",
    "due_date": "dueDate",
    "number": "invoiceNumber",
    "lines": "invoiceItems",
    "parts": "invoices",
}
_POSITIONED = re.compile(r"^(parts|lines)\.(\d+)\.(\w+)")
_POSITIONED_NAMES = {"invoice_id": "invoiceId", "unit_price": "unitPrice"}


def field_name(field: str | None, renamed: dict[str, str] | None = None) -> str | None:
    """`parts.2.amount` -> `invoices[2].amount`, `invoice_id` -> `invoiceId`; `renamed` first, for a field
    one operation names its own way (a refund's `amount` is its `totalAmount`)."""
    if field is None:
        return None
    if renamed and field in renamed:
        return renamed[field]
    positioned = _POSITIONED.match(field)
    if positioned:
        listed, position, name = positioned.groups()
        return f"{FIELD_NAMES[listed]}[{position}].{_POSITIONED_NAMES.get(name, name)}"
    return FIELD_NAMES.get(field, field)


def reason(category: str, message: str) -> dict:
    return {"code": RESOURCE + category, "message": message}


def refused(reasons: list[dict]) -> dict:
    body: dict = {"success": False, "reasons": reasons}
    request_id = observability.current_request_id()
    if request_id:
        body["requestId"] = request_id
    return body


class SettlementErrors(errors.ErrorRenderer):
    def __init__(self, path_prefix: str):
        self.path_prefix = path_prefix

    def body(self, status, message, exc=None):
        if status == 401:
            return {"message": "Authentication error"}
        if status == 403:
            return {"code": FORBIDDEN_CODE, "message": message}
        if isinstance(exc, UnrecognisedFields):
            return refused([reason(UNKNOWN_FIELD, "the request holds a field this operation does not know")])
        if isinstance(exc, drf.ParseError):
            return refused([reason(MALFORMED, message)])
        return refused([reason(STATUS_CATEGORY.get(status, INTERNAL if status >= 500 else INVALID), message)])

    def handle(self, exc, context):
        if isinstance(exc, app.ApplicationError) and not isinstance(exc, app.Forbidden):
            category = {app.NotFound: NOT_FOUND, app.Conflict: RULE}.get(type(exc), INVALID)
            if exc.code == "required":
                category = MISSING
            field = field_name(exc.field, getattr(context.get("view"), "field_names", None))
            message = f"{field}: {exc.message}" if field else exc.message
            return Response(refused([reason(category, message)]), status=400)
        return super().handle(exc, context)

    def validation_status(self):
        return 400

    def validation_body(self, status, exc, context):
        return refused(
            [
                reason(
                    MISSING if getattr(detail, "code", "") in ("required", "null") else INVALID,
                    f"{_named(path)}: {detail}" if path else str(detail),
                )
                for path, detail in flatten(exc.detail)
            ]
        )


def _named(path: tuple) -> str:
    """A flattened error's path as the client wrote it: invoices[0].amount."""
    named = ""
    for step in path:
        named += f"[{step}]" if isinstance(step, int) else f".{step}" if named else str(step)
    return named


RENDERERS = [
    errors.register(SettlementErrors(prefix))
    for prefix in ("/v1/accounts", "/v1/invoices", "/v1/payments", "/v1/refunds")
]
