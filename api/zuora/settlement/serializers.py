"""Request bodies of the Invoice Settlement API, named as zuora-sdk's request models name them.

A field the SDK documents for behaviour this service does not have (a subscription, a card to charge, a
gateway, debit memos) is refused by name rather than ignored: the caller would otherwise believe it done.
Any other field the operation does not take is unknown: ignored, or refused with rejectUnknownFields=true.
"""

from decimal import Decimal

from rest_framework import serializers

from api.zuora.serializers import EMAIL_MAX_LENGTH, AmountField, IdField
from core.errors import Invalid
from core.money import amount_validate
from invoices.lines import Line
from invoices.models import Invoice
from payments.models import Payment, Refund
from tenants.models import Account

# Zuora's own limit on an apply, unapply or payment's invoices.
MAX_INVOICES = 1000


class RefusesUnsupported(serializers.Serializer):
    """Refuses, by name, each field of `unsupported` the body holds (with a value)."""

    unsupported: tuple[str, ...] = ()

    def to_internal_value(self, data):
        if isinstance(data, dict):
            named = [name for name in self.unsupported if data.get(name) not in (None, [], {}, False)]
            if named:
                raise serializers.ValidationError(
                    {name: ["not supported by this service"] for name in named}, code="unsupported"
                )
        return super().to_internal_value(data)


def _text(max_length: int, **kwargs) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, required=False, allow_blank=True, **kwargs)


class ContactIn(serializers.Serializer):
    firstName = serializers.CharField(max_length=100)
    lastName = serializers.CharField(max_length=100)
    workEmail = serializers.EmailField(required=False, allow_blank=True, max_length=EMAIL_MAX_LENGTH)
    personalEmail = serializers.EmailField(required=False, allow_blank=True, max_length=80)
    nickname = _text(100)
    address1 = _text(255)
    address2 = _text(255)
    city = _text(40)
    county = _text(32)
    state = _text(40)
    country = _text(64)
    zipCode = _text(20)
    taxRegion = _text(32)
    workPhone = _text(40)
    homePhone = _text(40)
    mobilePhone = _text(40)
    otherPhone = _text(40)
    otherPhoneType = _text(20)
    fax = _text(40)
    contactDescription = _text(100)


class AccountIn(RefusesUnsupported):
    unsupported = (
        "accountNumber",
        "subscription",
        "creditCard",
        "paymentMethod",
        "paymentMethodId",
        "hpmCreditCardPaymentMethodId",
        "runBilling",
        "invoice",
        "collect",
        "parentId",
    )

    name = serializers.CharField(max_length=Account._meta.get_field("name").max_length)
    currency = serializers.CharField(max_length=3)
    billToContact = ContactIn()


class InvoiceItemIn(RefusesUnsupported):
    unsupported = ("taxItems", "discountItems", "productRatePlanChargeId")

    amount = AmountField()
    serviceStartDate = serializers.DateField()
    serviceEndDate = serializers.DateField(required=False)
    chargeName = _text(100)
    description = _text(500)
    quantity = serializers.DecimalField(max_digits=16, decimal_places=6, required=False, min_value=1)
    unitPrice = AmountField(required=False)
    sku = _text(64)
    uom = _text(25)

    def validate(self, attrs):
        """The item as an invoice line: `quantity` (a whole number) x `unitPrice` is its `amount`; without a
        unit price, the amount is the quantity's."""
        quantity = attrs.get("quantity", Decimal(1))
        try:  # the item's own amount is checked first: a client that sent only `amount` reads its name
            amount = amount_validate(attrs["amount"])
        except Invalid as refused:
            raise serializers.ValidationError({"amount": [refused.message]}) from None
        if quantity != quantity.to_integral_value():
            raise serializers.ValidationError({"quantity": ["must be a whole number"]})
        unit_price = attrs.get("unitPrice", amount / quantity)
        if quantity * unit_price != amount:
            raise serializers.ValidationError({"amount": ["must be quantity x unitPrice"]})
        name = attrs.get("chargeName") or attrs.get("description") or attrs.get("sku") or "Item"
        return Line(name=name, quantity=int(quantity), unit_price=unit_price, product_id=attrs.get("sku", ""))


class InvoiceIn(RefusesUnsupported):
    unsupported = ("customRates", "billToContact", "soldToContact", "shipToContact", "templateId")

    accountId = IdField(required=False)
    accountNumber = serializers.CharField(max_length=70, required=False)
    currency = serializers.CharField(max_length=3, required=False)
    invoiceDate = serializers.DateField()
    dueDate = serializers.DateField(required=False)
    invoiceNumber = serializers.CharField(
        max_length=Invoice._meta.get_field("number").max_length, required=False, allow_blank=True
    )
    status = serializers.ChoiceField(choices=["Draft", "Posted"], required=False, default="Draft")
    comments = _text(2000, default="")
    invoiceItems = InvoiceItemIn(many=True, allow_empty=False, max_length=200)

    def validate(self, attrs):
        if not (attrs.get("accountId") or attrs.get("accountNumber")):
            raise serializers.ValidationError(
                {"accountId": ["accountId or accountNumber is required"]}, code="required"
            )
        return attrs


class InvoicePostIn(serializers.Serializer):
    invoiceDate = serializers.DateField(required=False)


class InvoicePartIn(RefusesUnsupported):
    """An invoice named by id or number, and an amount of the payment on it."""

    unsupported = ("items",)

    invoiceId = IdField(required=False)
    invoiceNumber = serializers.CharField(max_length=64, required=False)
    amount = AmountField()

    def validate(self, attrs):
        if not (attrs.get("invoiceId") or attrs.get("invoiceNumber")):
            raise serializers.ValidationError(
                {"invoiceId": ["invoiceId or invoiceNumber is required"]}, code="required"
            )
        return attrs


def _invoices(**kwargs) -> serializers.ListSerializer:
    return InvoicePartIn(many=True, max_length=MAX_INVOICES, **kwargs)


class PaymentIn(RefusesUnsupported):
    unsupported = (
        "number",
        "debitMemos",
        "gatewayId",
        "paymentGatewayNumber",
        "gatewayOptions",
        "authTransactionId",
        "cryptogram",
        "paymentOption",
        "paymentScheduleKey",
        "customRates",
        "prepayment",
        "standalone",
    )

    type = serializers.ChoiceField(choices=["External"])
    accountId = IdField(required=False)
    accountNumber = serializers.CharField(max_length=70, required=False)
    amount = AmountField()
    currency = serializers.CharField(max_length=3)
    effectiveDate = serializers.DateField(required=False)
    comment = _text(255, default="")
    referenceId = _text(Payment._meta.get_field("reference").max_length, default="")
    paymentMethodId = _text(Payment._meta.get_field("payment_method_id").max_length, default="")
    invoices = _invoices(required=False)

    def validate(self, attrs):
        if not (attrs.get("accountId") or attrs.get("accountNumber")):
            raise serializers.ValidationError(
                {"accountId": ["accountId or accountNumber is required"]}, code="required"
            )
        return attrs


class ApplyIn(RefusesUnsupported):
    unsupported = ("debitMemos",)

    effectiveDate = serializers.DateField(required=False)
    invoices = _invoices(allow_empty=False)


class UnapplyIn(RefusesUnsupported):
    unsupported = ("debitMemos",)

    invoices = _invoices(allow_empty=False)


class PaymentUpdateIn(RefusesUnsupported):
    unsupported = ("financeInformation", "gatewayState", "paymentScheduleKey", "payoutId")

    comment = _text(255)
    referenceId = _text(Payment._meta.get_field("reference").max_length)


REFUND_METHODS = [
    "ACH",
    "Cash",
    "Check",
    "CreditCard",
    "PayPal",
    "WireTransfer",
    "DebitCard",
    "CreditCardReferenceTransaction",
    "BankTransfer",
    "Other",
]


class RefundIn(RefusesUnsupported):
    unsupported = ("customRates", "gatewayOptions", "financeInformation", "softDescriptor")

    type = serializers.ChoiceField(choices=["External"])
    totalAmount = AmountField()
    methodType = serializers.ChoiceField(choices=REFUND_METHODS, required=False, default="")
    refundDate = serializers.DateField(required=False)
    comment = _text(255, default="")
    referenceId = _text(Refund._meta.get_field("reference").max_length, default="")
    reasonCode = _text(100)


class RefundWithUnapplyIn(RefundIn):
    unsupported = (*RefundIn.unsupported, "debitMemos", "writeOff")

    invoices = _invoices(required=False)
