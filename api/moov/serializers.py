"""Moov's request bodies and query strings in; the names the services take out."""

from rest_framework import serializers

from api.moov import fields
from invoices.models import Invoice

# A Moov status as a filter on the ledger's invoices (see presenters.invoice_status for the other way).
STATUS_FILTERS = {
    "draft": {"statuses": [Invoice.Status.DRAFT]},
    "unpaid": {"statuses": Invoice.PAYABLE, "overdue": False},
    "overdue": {"statuses": Invoice.PAYABLE, "overdue": True},
    # Payments here settle at once, so no invoice ever waits on one.
    "payment-pending": {"statuses": []},
    "paid": {"statuses": [Invoice.Status.PAID]},
    "canceled": {"statuses": [Invoice.Status.VOID]},
}
MAX_COUNT = 200


class AmountIn(serializers.Serializer):
    default_error_messages = {"invalid": "must be an object with currency and valueDecimal"}

    currency = fields.Currency()
    valueDecimal = fields.DecimalString(source="amount")


class InvoiceIn(serializers.Serializer):
    totalAmount = AmountIn(source="total")
    description = fields.Text(required=False, allow_blank=True)
    invoiceNumber = fields.Text(required=False, max_length=64, trim_whitespace=True, source="number")
    invoiceDate = fields.CalendarDate(required=False, source="invoice_date")
    dueDate = fields.CalendarDate(required=False, source="due_date")

    def validate(self, attrs):
        attrs.update(attrs.pop("total"))
        return attrs


class InvoiceUpdateIn(serializers.Serializer):
    status = fields.Choice(("unpaid", "canceled"), required=False)
    description = fields.Text(required=False, allow_blank=True)
    dueDate = fields.CalendarDate(required=False, source="due_date")

    def validate(self, attrs):
        # "unpaid" asks for the invoice to be sent, "canceled" for it to be voided.
        status = attrs.pop("status", None)
        return {**attrs, "send": status == "unpaid", "void": status == "canceled"}


class InvoicePaymentIn(serializers.Serializer):
    amount = AmountIn(source="total")
    description = fields.Text(required=False, allow_blank=True)
    foreignID = fields.Text(required=False, allow_blank=True, max_length=128, source="foreign_id")
    paymentDate = fields.Timestamp(required=False, source="paid_on")

    def validate(self, attrs):
        attrs.update(attrs.pop("total"))
        return attrs


_INTEGER_MESSAGES = {
    "invalid": "must be an integer",
    "max_string_length": "must be an integer",
    "min_value": "must be at least {min_value}",
    "max_value": "must be at most {max_value}",
}


class InvoiceListQuery(serializers.Serializer):
    status = fields.Choice(tuple(STATUS_FILTERS), required=False)
    # The bound keeps absurd offsets (PostgreSQL's OFFSET is a bigint) out of the query.
    skip = serializers.IntegerField(
        required=False, default=0, min_value=0, max_value=2**31 - 1, error_messages=_INTEGER_MESSAGES
    )
    count = serializers.IntegerField(
        required=False, default=MAX_COUNT, min_value=1, max_value=MAX_COUNT, error_messages=_INTEGER_MESSAGES
    )

    def validate(self, attrs):
        attrs.update(STATUS_FILTERS.get(attrs.pop("status", None), {}))
        return attrs
