"""Moov's request bodies and query strings in (the SDK's CreateInvoice, UpdateInvoice, CreateInvoicePayment,
UpdatePaymentLink...), as the arguments the services take."""

from rest_framework import serializers

from api.moov import fields
from invoices.lines import Line, LineOption
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
# Moov's payment methods a link may collect with (CollectionPaymentMethodType).
PAYMENT_METHODS = ("ach-debit-collect", "apple-pay", "card-payment", "google-pay", "moov-wallet")


class AmountIn(serializers.Serializer):
    """{currency, valueDecimal}; positive, or with `zero` also 0, or with `signed` any sign."""

    default_error_messages = {"invalid": "must be an object with currency and valueDecimal"}

    def __init__(self, *, zero: bool = False, signed: bool = False, **kwargs):
        self.zero, self.signed = zero, signed
        super().__init__(**kwargs)

    def get_fields(self):
        return {
            "currency": fields.Currency(),
            "valueDecimal": fields.DecimalString(zero=self.zero, signed=self.signed, source="value"),
        }


class LineItemOptionIn(serializers.Serializer):
    name = fields.Text(max_length=150)
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000)
    priceModifier = AmountIn(signed=True, required=False, source="price_modifier")
    group = fields.Text(max_length=100, required=False, allow_blank=True)


class LineItemIn(serializers.Serializer):
    name = fields.Text(max_length=150)
    basePrice = AmountIn(zero=True, source="base_price")
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000)
    productID = fields.Text(max_length=64, required=False, allow_blank=True, source="product_id")
    options = LineItemOptionIn(many=True, required=False)


class LineItemsIn(serializers.Serializer):
    items = LineItemIn(many=True, allow_empty=False, max_length=200)


class AmountDetailsIn(serializers.Serializer):
    tax = AmountIn(zero=True, required=False)
    surcharge = AmountIn(zero=True, required=False)


class PaymentOptionsIn(serializers.Serializer):
    """How the payer may pay (Moov's InvoicePaymentOptions): kept with the invoice, opaque to the ledger."""

    allowedMethods = serializers.ListField(
        child=fields.Choice(PAYMENT_METHODS), required=False, source="allowed_methods"
    )
    cardDetails = serializers.DictField(required=False, source="card")
    achDetails = serializers.DictField(required=False, source="ach")


def money_in(data: dict) -> dict:
    """Lines, tax and surcharge as the services take them, every amount in one currency: the first
    line's. An amount in another currency is refused where it stands in the request."""
    currency = None
    errors = {}

    def value(amount: dict | None, path: tuple[str, ...]):
        nonlocal currency
        if amount is None:
            return None
        currency = currency or amount["currency"]
        if amount["currency"] != currency:
            errors[path] = f"must be {currency}, the currency of the invoice's first line"
        return amount["value"]

    out = {}
    if "lineItems" in data:
        out["lines"] = [
            Line(
                name=item["name"],
                quantity=item["quantity"],
                unit_price=value(item["base_price"], ("lineItems", "items", str(n), "basePrice", "currency")),
                product_id=item.get("product_id", ""),
                options=tuple(
                    LineOption(
                        name=option["name"],
                        quantity=option["quantity"],
                        price_modifier=value(
                            option.get("price_modifier"),
                            ("lineItems", "items", str(n), "options", str(m), "priceModifier", "currency"),
                        )
                        or 0,
                        group=option.get("group", ""),
                    )
                    for m, option in enumerate(item.get("options", []))
                ),
            )
            for n, item in enumerate(data.pop("lineItems")["items"])
        ]
    details = data.pop("amountDetails", None) or {}
    for name in ("tax", "surcharge"):
        if name in details:
            out[name] = value(details[name], ("amountDetails", name))
    if errors:
        raise serializers.ValidationError(_nested(errors))
    if currency is not None:
        out["currency"] = currency
    return out


def _nested(errors: dict[tuple[str, ...], str]) -> dict:
    body: dict = {}
    for path, message in errors.items():
        at = body
        for key in path[:-1]:
            at = at.setdefault(key, {})
        at[path[-1]] = message
    return body


class InvoiceIn(serializers.Serializer):
    """The SDK's CreateInvoice."""

    customerAccountID = fields.Key(source="account_id")
    lineItems = LineItemsIn()
    customerEmail = serializers.EmailField(required=False, max_length=254, source="customer_email")
    # Empty or whitespace-only: the next INV-<n>, as when left out (the SDK's CreateInvoice.invoiceNumber).
    invoiceNumber = fields.Text(
        required=False, allow_blank=True, max_length=64, trim_whitespace=True, source="number"
    )
    description = fields.Text(required=False, allow_blank=True)
    invoiceDate = fields.CalendarDate(required=False, source="invoice_date")
    dueDate = fields.CalendarDate(required=False, source="due_date")
    payment = PaymentOptionsIn(required=False, source="payment_options")
    amountDetails = AmountDetailsIn(required=False)

    def validate(self, attrs):
        money = money_in(attrs)  # takes the lines and amount details out of attrs
        return {**attrs, **money}


class InvoiceUpdateIn(serializers.Serializer):
    """The SDK's UpdateInvoice. A date sent as null is cleared; a field left out stays as it is."""

    description = fields.Text(required=False, allow_blank=True)
    lineItems = LineItemsIn(required=False)
    invoiceDate = fields.CalendarDate(required=False, allow_null=True, source="invoice_date")
    dueDate = fields.CalendarDate(required=False, allow_null=True, source="due_date")
    status = fields.Choice(("unpaid", "canceled"), required=False)
    payment = PaymentOptionsIn(required=False, source="payment_options")
    amountDetails = AmountDetailsIn(required=False)

    def validate(self, attrs):
        money = money_in(attrs)
        money.pop("currency", None)  # the invoice's own: its lines keep it
        # "unpaid" asks for the invoice to be sent, "canceled" for it to be voided.
        status = attrs.pop("status", None)
        return {**attrs, **money, "send": status == "unpaid", "void": status == "canceled"}


class InvoicePaymentIn(serializers.Serializer):
    """The SDK's CreateInvoicePayment."""

    amount = AmountIn(source="total")
    description = fields.Text(required=False, allow_blank=True)
    foreignID = fields.Text(required=False, allow_blank=True, max_length=128, source="foreign_id")
    paymentDate = fields.Timestamp(required=False, source="paid_on")

    def validate(self, attrs):
        total = attrs.pop("total")
        return {**attrs, "amount": total["value"], "currency": total["currency"]}


class NotificationIn(serializers.Serializer):
    """The SDK's CreateInvoiceNotification: email is the one channel."""

    channels = serializers.ListField(child=fields.Choice(("email",)), allow_empty=False)


_INTEGER_MESSAGES = {
    "invalid": "must be an integer",
    "max_string_length": "must be an integer",
    "min_value": "must be at least {min_value}",
    "max_value": "must be at most {max_value}",
}


class PageQuery(serializers.Serializer):
    # The bound keeps absurd offsets (PostgreSQL's OFFSET is a bigint) out of the query.
    skip = serializers.IntegerField(
        required=False, default=0, min_value=0, max_value=2**31 - 1, error_messages=_INTEGER_MESSAGES
    )
    count = serializers.IntegerField(
        required=False, default=MAX_COUNT, min_value=1, max_value=MAX_COUNT, error_messages=_INTEGER_MESSAGES
    )


class InvoiceListQuery(PageQuery):
    """listInvoices' query: a status, the customer, and ranges of the creation and due date-times."""

    status = fields.Choice(tuple(STATUS_FILTERS), required=False)
    customerAccountID = fields.Key(required=False, source="account_id")
    createdStartDateTime = fields.Timestamp(required=False, source="created_from")
    createdEndDateTime = fields.Timestamp(required=False, source="created_to")
    dueStartDateTime = fields.Timestamp(required=False, source="due_from")
    dueEndDateTime = fields.Timestamp(required=False, source="due_to")

    def validate(self, attrs):
        attrs.update(STATUS_FILTERS.get(attrs.pop("status", None), {}))
        return attrs


class CommaSeparated(serializers.ListField):
    """A list in the query string as the SDK sends it, one comma-separated value (types=a,b); repeating the
    parameter (types=a&types=b) also works."""

    def get_value(self, dictionary):
        values = super().get_value(dictionary)
        if not isinstance(values, list):
            return values
        return [
            part for value in values for part in (value.split(",") if isinstance(value, str) else [value])
        ]


class PaymentLinkListQuery(PageQuery):
    types = CommaSeparated(
        child=fields.Choice(("payment", "payout", "invoice-payment", "custom-amount-payment")), required=False
    )


class DisplayIn(serializers.Serializer):
    title = fields.Text(required=False, max_length=200)
    description = fields.Text(required=False, allow_blank=True, max_length=1000)
    callToAction = fields.Choice(
        ("pay", "book", "subscribe", "donate", "confirm", "auto"), required=False, source="call_to_action"
    )


class CustomerOptionsIn(serializers.Serializer):
    requireAddress = serializers.BooleanField(required=False, source="require_address")
    requirePhone = serializers.BooleanField(required=False, source="require_phone")
    tippingEnabled = serializers.BooleanField(required=False, source="tipping")
    metadata = serializers.DictField(child=fields.Text(max_length=500), required=False)


class PaymentLinkUpdateIn(serializers.Serializer):
    """The SDK's UpdatePaymentLink, for a link an invoice made: its amount, lines and payment methods are
    the invoice's and change there."""

    expiresOn = fields.Timestamp(required=False, allow_null=True, source="expires_at")
    display = DisplayIn(required=False)
    customer = CustomerOptionsIn(required=False)

    INVOICE_OWNED = ("amount", "lineItems", "amountDetails", "payment", "payout", "customAmountPayment")

    def validate(self, attrs):
        owned = {name: "an invoice's link takes it from the invoice" for name in self.INVOICE_OWNED}
        sent = {name: message for name, message in owned.items() if name in self.initial_data}
        if sent:
            raise serializers.ValidationError(sent)
        page = {**attrs.pop("display", {}), **attrs.pop("customer", {})}
        return {**attrs, "page": page} if page else attrs
