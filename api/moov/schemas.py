"""Moov invoices in OpenAPI: what the presenters return (optional fields are left out, not null), Moov's
error bodies and the X-Moov-Version header.

These serializers only describe; api/moov/presenters.py produces the bodies.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter
from rest_framework import serializers

from api.moov.presenters import STATUSES
from api.moov.versioning import DEFAULT_VERSION, VERSION
from api.openapi import HEADER, DialectSchema


class AmountDecimal(serializers.Serializer):
    currency = serializers.RegexField("^[A-Z]{3}$", help_text="A 3-letter ISO 4217 currency code.")
    valueDecimal = serializers.RegexField(r"^[0-9]+(\.[0-9]+)?$", help_text="Up to 9 decimal places.")


class External(serializers.Serializer):
    description = serializers.CharField(required=False)
    foreignID = serializers.CharField(required=False)
    paymentDate = serializers.DateTimeField(required=False)


class Transfer(serializers.Serializer):
    transferID = serializers.CharField(max_length=36)


class InvoicePayment(serializers.Serializer):
    """Payment made towards an invoice: external (recorded here) or a transfer (money that came in through
    another dialect)."""

    invoicePaymentID = serializers.CharField(max_length=36)
    invoicePaymentType = serializers.ChoiceField(choices=["transfer", "external"])
    amount = AmountDecimal()
    external = External(required=False)
    transfer = Transfer(required=False)


class Invoice(serializers.Serializer):
    invoiceID = serializers.UUIDField()
    invoiceNumber = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    customerAccountID = serializers.UUIDField()
    status = serializers.ChoiceField(choices=sorted({*STATUSES.values(), "overdue"}))
    totalAmount = AmountDecimal()
    paidAmount = AmountDecimal()
    pendingAmount = AmountDecimal()
    refundedAmount = AmountDecimal()
    invoicePayments = InvoicePayment(many=True)
    createdOn = serializers.DateTimeField()
    paymentLinkCode = serializers.CharField(required=False)
    paymentLinkURL = serializers.URLField(required=False)
    invoiceDate = serializers.DateTimeField(required=False)
    dueDate = serializers.DateTimeField(required=False)
    sentOn = serializers.DateTimeField(required=False)
    paidOn = serializers.DateTimeField(required=False)
    canceledOn = serializers.DateTimeField(required=False)


class Error(serializers.Serializer):
    error = serializers.CharField()


# 422: the messages laid out in the request's own shape, {"amount": {"valueDecimal": "..."}}; a rule that
# names no field of the request, or a reused Idempotency-Key, is {"error": "..."}.
FIELD_ERRORS = {
    "type": "object",
    "additionalProperties": {"anyOf": [{"type": "string"}, {"type": "object"}]},
}

# Request examples (seed 004); they are also where the fuzzer starts from.
INVOICE_EXAMPLE = OpenApiExample(
    "Invoice",
    {
        "totalAmount": {"currency": "USD", "valueDecimal": "1250.50"},
        "description": "Consulting, January",
        "invoiceNumber": "INV-1001",
        "invoiceDate": "2026-01-20",
        "dueDate": "2026-02-19",
    },
    request_only=True,
)
SEND_EXAMPLE = OpenApiExample("Send the invoice", {"status": "unpaid"}, request_only=True)
PAYMENT_EXAMPLE = OpenApiExample(
    "External payment",
    {
        "amount": {"currency": "USD", "valueDecimal": "500.00"},
        "description": "Payment received via wire transfer",
        "foreignID": "EXT-PAY-12345",
        "paymentDate": "2026-01-20T14:45:00Z",
    },
    request_only=True,
)

MOOV_VERSION = {"type": "string", "pattern": f"^{VERSION.pattern}$", "example": DEFAULT_VERSION}


class MoovSchema(DialectSchema):
    tag = "Moov"
    headers = (
        OpenApiParameter(
            "X-Moov-Version", MOOV_VERSION, HEADER, description=f"vYYYY.QQ.BB; {DEFAULT_VERSION} when absent."
        ),
        OpenApiParameter("X-Moov-Version", MOOV_VERSION, HEADER, response=True),
    )
    path_type = OpenApiTypes.UUID
    error = Error
    errors = {422: FIELD_ERRORS}
