"""DayZero JSON in: validated the way DayZero's pydantic models do, returned as service arguments."""

from rest_framework import serializers

from api.dayzero import fields
from core.money import from_minor
from invoices.models import Invoice
from tenants.models import Account

# What the column holds: a longer address can be valid, and would fail at the database instead.
EMAIL_MAX_LENGTH = Account._meta.get_field("email").max_length


class AccountIn(serializers.Serializer):
    name = fields.StrictCharField(max_length=200)
    email = serializers.EmailField(required=False, allow_blank=True, default="", max_length=EMAIL_MAX_LENGTH)
    currency = fields.CurrencyField()


class InvoiceIn(serializers.Serializer):
    account_id = fields.UUIDStrField()
    currency = fields.CurrencyField()
    amount = fields.CentsField()
    number = fields.StrictCharField(max_length=64, required=False, allow_null=True)
    issue_date = fields.PydanticDateField(source="invoice_date", required=False, allow_null=True)
    due_date = fields.PydanticDateField(required=False, allow_null=True)
    status = fields.EnumField((Invoice.Status.DRAFT, Invoice.Status.OPEN), required=False)

    def validate(self, attrs):
        return {**attrs, "amount": from_minor(attrs["amount"], attrs["currency"])}


class TransactionIn(serializers.Serializer):
    amount = fields.CentsField()
    currency = fields.CurrencyField()
    datetime = fields.PydanticDateTimeField(source="occurred_at")
    description = fields.StrictCharField(max_length=1000, required=False, allow_null=True, allow_blank=True)
    counterparty = fields.StrictCharField(max_length=255, required=False, allow_null=True, allow_blank=True)

    def validate(self, attrs):
        return {
            **attrs,
            "amount": from_minor(attrs["amount"], attrs["currency"]),
            # The ledger stores an absent text as "", never NULL.
            "description": attrs.get("description") or "",
            "counterparty": attrs.get("counterparty") or "",
        }


class InvoicePaymentIn(serializers.Serializer):
    """seed 002's InvoicePaymentRequest. `amount` stays in cents: its currency is the transaction's."""

    transaction_id = fields.UUIDStrField()
    amount = fields.CentsField()
    paid_on = fields.PydanticDateTimeField(required=False, allow_null=True)
