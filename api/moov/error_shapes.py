"""Moov's 422 bodies: the request's own shape with a message where a value failed, one shape per operation
(the SDK's CreateInvoiceError, UpdateInvoiceError, ListInvoicesValidationError...). Its client parses a
422 into that model and fails on a message where it expects an object or the other way round, so every
422 is fitted to its operation's shape (`fit`); these serializers are also that shape in OpenAPI.
"""

from rest_framework import serializers


def _text() -> serializers.CharField:
    return serializers.CharField(required=False)


class AmountDecimalError(serializers.Serializer):
    currency = _text()
    valueDecimal = _text()


class LineItemOptionError(serializers.Serializer):
    name = _text()
    group = _text()
    quantity = _text()
    priceModifier = AmountDecimalError(required=False)


class LineItemError(serializers.Serializer):
    productID = _text()
    name = _text()
    quantity = _text()
    basePrice = AmountDecimalError(required=False)
    options = serializers.DictField(child=LineItemOptionError(), required=False, help_text="By position.")


class LineItemsError(serializers.Serializer):
    items = serializers.DictField(child=LineItemError(), required=False, help_text="By position.")


class AmountDetailsError(serializers.Serializer):
    tax = _text()
    surcharge = _text()


class PaymentOptionsError(serializers.Serializer):
    allowedMethods = _text()
    cardDetails = serializers.DictField(required=False)
    achDetails = serializers.DictField(required=False)


class CreateInvoiceError(serializers.Serializer):
    customerAccountID = _text()
    customerEmail = _text()
    invoiceNumber = _text()
    description = _text()
    lineItems = LineItemsError(required=False)
    invoiceDate = _text()
    dueDate = _text()
    payment = PaymentOptionsError(required=False)
    amountDetails = AmountDetailsError(required=False)


class UpdateInvoiceError(serializers.Serializer):
    description = _text()
    lineItems = LineItemsError(required=False)
    invoiceDate = _text()
    dueDate = _text()
    status = _text()
    payment = PaymentOptionsError(required=False)
    amountDetails = AmountDetailsError(required=False)


class CreateInvoicePaymentError(serializers.Serializer):
    amount = AmountDecimalError(required=False)
    foreignID = _text()
    description = _text()
    paymentDate = _text()


class InvoiceNotificationError(serializers.Serializer):
    channels = _text()


class AmountError(serializers.Serializer):
    currency = _text()
    value = _text()


class DisplayOptionsError(serializers.Serializer):
    title = _text()
    description = _text()
    callToAction = _text()


class UpdatePaymentLinkError(serializers.Serializer):
    amount = AmountError(required=False)
    expiresOn = _text()
    display = DisplayOptionsError(required=False)
    payment = PaymentOptionsError(required=False)
    payout = serializers.DictField(required=False)
    customAmountPayment = serializers.DictField(required=False)
    lineItems = serializers.DictField(required=False)
    amountDetails = serializers.DictField(required=False)


def query_error(query: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """A query string's 422: a message under each parameter's name (ListInvoicesValidationError)."""
    names = [field.field_name for field in query().fields.values()]
    return type(
        f"{query.__name__.removesuffix('Query')}QueryError",
        (serializers.Serializer,),
        {n: _text() for n in names},
    )


def fit(messages: dict, shape: serializers.Serializer | serializers.DictField) -> dict:
    """`messages` (nested like the request) in `shape`: a message where it expects text, a nested object
    where it expects one (a message meant for an object is put on its first text field), and what has no
    place in it left out. An empty result means nothing had a place: the caller answers otherwise."""
    fitted = {}
    for key, message in messages.items():
        field = shape.child if isinstance(shape, serializers.DictField) else shape.fields.get(key)
        if field is None:
            continue
        if isinstance(field, serializers.CharField):
            fitted[key] = message if isinstance(message, str) else first(message)
        elif isinstance(field, serializers.Serializer | serializers.DictField) and isinstance(message, dict):
            inner = fit(message, field)
            if inner:
                fitted[key] = inner
        elif isinstance(field, serializers.Serializer):
            text = next((f for f in field.fields.values() if isinstance(f, serializers.CharField)), None)
            if text is not None:
                fitted[key] = {text.field_name: message}
        elif isinstance(field, serializers.DictField) and not isinstance(field.child, serializers.Serializer):
            fitted[key] = {"error": message}
    return fitted


def first(message) -> str:
    """The first message of a nested one, with where it stands: "valueDecimal: must be ..."."""
    if isinstance(message, str):
        return message
    key, inner = next(iter(message.items()))
    return f"{key}: {first(inner)}"
