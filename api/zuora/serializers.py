"""Zuora request bodies. Field names are case-sensitive, as Zuora's are."""

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.money import MAX_AMOUNT, parse_decimal
from tenants.models import Account

# What the column holds: a longer address can be valid, and would fail at the database instead.
EMAIL_MAX_LENGTH = Account._meta.get_field("email").max_length


@extend_schema_field(
    {
        "oneOf": [
            {
                "type": "number",
                "minimum": 0,
                "exclusiveMinimum": True,
                "maximum": int(MAX_AMOUNT),
                "exclusiveMaximum": True,
            },
            {"type": "string", "maxLength": 16, "pattern": r"^\s*[0-9]+(\.[0-9]+)?\s*$"},
        ]
    }
)
class AmountField(serializers.Field):
    """A JSON number (parsed as Decimal) or numeric string of at most 16 characters as written."""

    default_error_messages = {
        "invalid": "must be a number",
        "too_long": "must be at most 16 characters",
    }

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, int | Decimal):
            written = str(data)
            value = Decimal(data)
        elif isinstance(data, str):
            written, value = data, parse_decimal(data.strip())
            if value is None:
                self.fail("invalid")
        else:
            self.fail("invalid")
        if len(written) > 16:
            self.fail("too_long")
        return value


class IdField(serializers.CharField):
    """A Zuora id: 32 characters (our UUIDs without dashes; the dashed form is accepted too)."""

    def __init__(self, **kwargs):
        super().__init__(max_length=36, **kwargs)


class ContactIn(serializers.Serializer):
    WorkEmail = serializers.EmailField(required=False, allow_blank=True, max_length=EMAIL_MAX_LENGTH)


class AccountIn(serializers.Serializer):
    Name = serializers.CharField(max_length=200)
    Currency = serializers.CharField(max_length=3)
    BillToContact = ContactIn(required=False)


class PaymentIn(serializers.Serializer):
    AccountId = IdField()
    Amount = AmountField()
    EffectiveDate = serializers.DateField()
    Type = serializers.ChoiceField(choices=["External"])
    PaymentMethodId = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    ReferenceId = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    Comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    Status = serializers.ChoiceField(choices=["Draft", "Processed"], required=False, default="Processed")


class InvoicePaymentIn(serializers.Serializer):
    Amount = AmountField()
    InvoiceId = IdField()
    PaymentId = IdField()


class InvoicePaymentUpdate(serializers.Serializer):
    Amount = AmountField()


class RefundInvoicePaymentIn(serializers.Serializer):
    InvoiceId = IdField()
    RefundAmount = AmountField()


class RefundInvoicePaymentDataIn(serializers.Serializer):
    RefundInvoicePayment = RefundInvoicePaymentIn(many=True, allow_empty=False)


class RefundIn(serializers.Serializer):
    PaymentId = IdField()
    Amount = AmountField()
    Type = serializers.ChoiceField(choices=["External"])
    RefundDate = serializers.DateField(required=False)
    Comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    RefundInvoicePaymentData = RefundInvoicePaymentDataIn(required=False)
