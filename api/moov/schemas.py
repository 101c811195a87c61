"""Moov invoices in OpenAPI: what the presenters return (optional fields are left out, not null), Moov's
error bodies and the X-Moov-Version header.

These serializers only describe; api/moov/presenters.py produces the bodies.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter
from rest_framework import serializers

from api.moov.presenters import STATUSES
from api.moov.serializers import PAYMENT_METHODS
from api.moov.versioning import DEFAULT_VERSION, VERSION
from api.openapi import HEADER, DialectSchema


class AmountDecimal(serializers.Serializer):
    currency = serializers.RegexField("^[A-Z]{3}$", help_text="A 3-letter ISO 4217 currency code.")
    valueDecimal = serializers.RegexField(r"^-?[0-9]+(\.[0-9]+)?$", help_text="Up to 9 decimal places.")


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


class LineItemOption(serializers.Serializer):
    name = serializers.CharField()
    quantity = serializers.IntegerField(min_value=1)
    priceModifier = AmountDecimal(required=False)
    group = serializers.CharField(required=False)


class LineItem(serializers.Serializer):
    name = serializers.CharField()
    basePrice = AmountDecimal()
    quantity = serializers.IntegerField(min_value=1)
    productID = serializers.CharField(required=False)
    options = LineItemOption(many=True, required=False)


class LineItems(serializers.Serializer):
    items = LineItem(many=True)


class AmountDetails(serializers.Serializer):
    tax = AmountDecimal(required=False)
    surcharge = AmountDecimal(required=False)


class PaymentOptions(serializers.Serializer):
    allowedMethods = serializers.ListField(
        child=serializers.ChoiceField(choices=PAYMENT_METHODS), required=False
    )
    cardDetails = serializers.DictField(required=False)
    achDetails = serializers.DictField(required=False)


class Invoice(serializers.Serializer):
    invoiceID = serializers.UUIDField()
    invoiceNumber = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    customerAccountID = serializers.UUIDField()
    customerDisplayName = serializers.CharField()
    customerEmail = serializers.CharField(allow_blank=True)
    partnerAccountID = serializers.UUIDField()
    status = serializers.ChoiceField(choices=sorted({*STATUSES.values(), "overdue", "payment-pending"}))
    lineItems = LineItems()
    subtotalAmount = AmountDecimal()
    totalAmount = AmountDecimal(help_text="The subtotal plus tax and surcharge.")
    pendingAmount = AmountDecimal(help_text="Payments still in flight: none here, every payment settles.")
    paidAmount = AmountDecimal()
    refundedAmount = AmountDecimal()
    disputedAmount = AmountDecimal()
    invoicePayments = InvoicePayment(many=True)
    createdOn = serializers.DateTimeField()
    amountDetails = AmountDetails(required=False)
    payment = PaymentOptions(required=False)
    paymentLinkCode = serializers.CharField(required=False)
    paymentLinkURL = serializers.URLField(required=False)
    invoiceDate = serializers.DateTimeField(required=False)
    dueDate = serializers.DateTimeField(required=False)
    sentOn = serializers.DateTimeField(required=False)
    paidOn = serializers.DateTimeField(required=False)
    canceledOn = serializers.DateTimeField(required=False)


class Amount(serializers.Serializer):
    currency = serializers.RegexField("^[A-Z]{3}$")
    value = serializers.IntegerField(help_text="Minor units: what is still due on the invoice.")


class Display(serializers.Serializer):
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    callToAction = serializers.ChoiceField(choices=["pay", "book", "subscribe", "donate", "confirm", "auto"])


class CustomerOptions(serializers.Serializer):
    requireAddress = serializers.BooleanField(required=False)
    requirePhone = serializers.BooleanField(required=False)
    tippingEnabled = serializers.BooleanField(required=False)
    metadata = serializers.DictField(child=serializers.CharField(), required=False)


class LinkPayment(serializers.Serializer):
    allowedMethods = serializers.ListField(child=serializers.ChoiceField(choices=PAYMENT_METHODS))


class PaymentLink(serializers.Serializer):
    """An invoice's payment link, as Moov's SDK reads a link."""

    code = serializers.CharField()
    paymentLinkType = serializers.ChoiceField(choices=["invoice-payment"])
    mode = serializers.ChoiceField(choices=["production"])
    status = serializers.ChoiceField(choices=["active", "disabled", "expired"])
    partnerAccountID = serializers.UUIDField()
    merchantAccountID = serializers.UUIDField()
    ownerAccountID = serializers.UUIDField()
    merchantPaymentMethodID = serializers.CharField(allow_blank=True)
    link = serializers.URLField()
    uses = serializers.IntegerField()
    amount = Amount()
    display = Display()
    customer = CustomerOptions()
    payment = LinkPayment()
    createdOn = serializers.DateTimeField()
    updatedOn = serializers.DateTimeField()
    expiresOn = serializers.DateTimeField(required=False)
    disabledOn = serializers.DateTimeField(required=False)


class Error(serializers.Serializer):
    error = serializers.CharField()


class LimitedChannel(serializers.Serializer):
    channel = serializers.ChoiceField(choices=["email"])
    availableOn = serializers.DateTimeField()


class NotificationRateLimited(Error):
    """An invoice emailed again too soon (or the client over its rate limit): when email is free again."""

    limitedChannels = LimitedChannel(many=True)
    availableChannels = serializers.ListField(child=serializers.ChoiceField(choices=["email"]))


# 422: the messages laid out in the request's own shape, {"amount": {"valueDecimal": "..."}}; a rule that
# names no field of the request, or a reused Idempotency-Key, is {"error": "..."}.
FIELD_ERRORS = {
    "type": "object",
    "additionalProperties": {"anyOf": [{"type": "string"}, {"type": "object"}]},
}

# Request examples (seed 004, the SDK's models); they are also where the fuzzer starts from.
INVOICE_EXAMPLE = OpenApiExample(
    "Invoice",
    {
        "customerAccountID": "e02333e4-a835-46d1-8d02-9af7a405e65f",
        "lineItems": {
            "items": [
                {
                    "name": "Consulting, January",
                    "basePrice": {"currency": "USD", "valueDecimal": "125.05"},
                    "quantity": 10,
                    "options": [
                        {
                            "name": "Rush",
                            "quantity": 1,
                            "priceModifier": {"currency": "USD", "valueDecimal": "5"},
                        }
                    ],
                }
            ]
        },
        "amountDetails": {"tax": {"currency": "USD", "valueDecimal": "12.50"}},
        "description": "Consulting, January",
        "invoiceDate": "2026-01-20T00:00:00Z",
        "dueDate": "2026-02-19T00:00:00Z",
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
