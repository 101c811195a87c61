"""The Invoice Settlement API in OpenAPI: what presenters.py returns, as zuora-sdk's models name it.

These serializers only describe; the bodies come from presenters.py and errors.py.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from api.zuora.presenters import INVOICE_STATUS, PAYMENT_STATUS
from api.zuora.schemas import Message, ZuoraSchema, object_id
from api.zuora.schemas import amount as money


class FailedReason(serializers.Serializer):
    code = serializers.CharField(
        help_text="Eight digits: 500000 and Zuora's error category (20 invalid, ...)."
    )
    message = serializers.CharField()


class CommonResponse(serializers.Serializer):
    success = serializers.BooleanField(help_text="Always false.")
    requestId = serializers.CharField()
    reasons = FailedReason(many=True)


class CommonErrorResponse(serializers.Serializer):
    code = serializers.IntegerField()
    message = serializers.CharField()


class SettlementSchema(ZuoraSchema):
    path_type = {
        "type": "string",
        "description": "The object's id (32 hex digits) or number (A00000001, P-00000001, R-00000001, INV-1).",
    }
    error = CommonResponse
    errors = {401: Message, 403: CommonErrorResponse}


SORT = OpenApiParameter(
    "sort",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    description="At most two fields, comma-separated; `-field` ascending, `+field` or `field` descending. "
    "By default, descending by number.",
)


class SettlementSuccess(serializers.Serializer):
    success = serializers.BooleanField(help_text="Always true.")


class CreateAccountResponse(SettlementSuccess):
    accountId = object_id()
    accountNumber = serializers.CharField()


class AccountBasicInfo(serializers.Serializer):
    id = object_id()
    accountNumber = serializers.CharField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=["Active"])


class AccountBillingAndPayment(serializers.Serializer):
    currency = serializers.CharField()


class AccountMetrics(serializers.Serializer):
    balance = money()
    totalInvoiceBalance = money()
    unappliedPaymentAmount = money()
    creditBalance = money()
    currency = serializers.CharField()


class AccountContact(serializers.Serializer):
    accountId = object_id()
    firstName = serializers.CharField(required=False, help_text="With the contact's other details as given.")
    lastName = serializers.CharField(required=False)
    workEmail = serializers.CharField(allow_null=True)


class AccountDetailResponse(SettlementSuccess):
    basicInfo = AccountBasicInfo()
    billingAndPayment = AccountBillingAndPayment()
    billToContact = AccountContact()
    soldToContact = AccountContact()
    metrics = AccountMetrics()


class InvoiceResponse(SettlementSuccess):
    id = object_id()
    accountId = object_id()
    invoiceNumber = serializers.CharField()
    currency = serializers.CharField()
    amount = money()
    amountWithoutTax = money()
    taxAmount = money()
    balance = money()
    paymentAmount = money()
    refundAmount = money()
    creditMemoAmount = money()
    adjustmentAmount = money()
    status = serializers.ChoiceField(choices=sorted(set(INVOICE_STATUS.values())))
    invoiceDate = serializers.DateField(allow_null=True)
    dueDate = serializers.DateField(allow_null=True)
    comments = serializers.CharField(allow_null=True)
    createdDate = serializers.CharField()
    updatedDate = serializers.CharField()


class InvoiceItem(serializers.Serializer):
    id = object_id()
    chargeName = serializers.CharField()
    chargeAmount = serializers.CharField(help_text="quantity x unitPrice, as a string (the SDK's type).")
    quantity = serializers.IntegerField()
    unitPrice = money()
    sku = serializers.CharField(allow_null=True)
    processingType = serializers.ChoiceField(choices=["Charge"])


class SettlementPage(SettlementSuccess):
    nextPage = serializers.CharField(required=False, help_text="The next page's path, while there is one.")


class InvoiceItemsResponse(SettlementPage):
    invoiceItems = InvoiceItem(many=True)


class InvoiceApplicationPart(serializers.Serializer):
    paymentId = object_id()
    appliedAmount = money()
    createdById = serializers.CharField()
    createdDate = serializers.CharField()
    updatedById = serializers.CharField()
    updatedDate = serializers.CharField()


class InvoiceApplicationPartsResponse(SettlementPage):
    applicationParts = InvoiceApplicationPart(many=True)


class AsyncOperationResponse(SettlementSuccess):
    id = object_id()
    jobStatus = serializers.ChoiceField(choices=["Completed"])


class PaymentData(serializers.Serializer):
    id = object_id()
    number = serializers.CharField()
    accountId = object_id()
    accountNumber = serializers.CharField()
    currency = serializers.CharField()
    amount = money()
    appliedAmount = money(help_text="Applied to invoices and not refunded.")
    unappliedAmount = money()
    refundAmount = money()
    creditBalanceAmount = money()
    status = serializers.ChoiceField(choices=sorted(PAYMENT_STATUS.values()))
    type = serializers.ChoiceField(choices=["External"])
    effectiveDate = serializers.DateField()
    referenceId = serializers.CharField(allow_null=True)
    paymentMethodId = serializers.CharField(allow_null=True)
    comment = serializers.CharField(allow_null=True)
    createdById = serializers.CharField()
    createdDate = serializers.CharField()
    updatedDate = serializers.CharField()


class PaymentResponse(SettlementSuccess, PaymentData):
    pass


class GetPaymentsResponse(SettlementPage):
    payments = PaymentData(many=True)


class PaymentPartData(serializers.Serializer):
    id = object_id()
    invoiceId = object_id()
    amount = money(help_text="Applied to the invoice and not refunded.")
    createdById = serializers.CharField()
    createdDate = serializers.CharField()
    updatedById = serializers.CharField()
    updatedDate = serializers.CharField()


class GetPaymentPartsResponse(SettlementPage):
    parts = PaymentPartData(many=True)


class GetPaymentPartResponse(SettlementSuccess):
    paymentPart = PaymentPartData()


class RefundData(serializers.Serializer):
    id = object_id()
    number = serializers.CharField()
    paymentId = object_id()
    paymentNumber = serializers.CharField()
    accountId = object_id()
    amount = money()
    status = serializers.ChoiceField(choices=["Processed"])
    type = serializers.ChoiceField(choices=["External"])
    methodType = serializers.CharField(allow_null=True)
    referenceId = serializers.CharField(allow_null=True)
    refundDate = serializers.DateField()
    comment = serializers.CharField(allow_null=True)
    createdById = serializers.CharField()
    createdDate = serializers.CharField()
    updatedDate = serializers.CharField()


class RefundResponse(SettlementSuccess, RefundData):
    pass


class GetRefundsResponse(SettlementPage):
    refunds = RefundData(many=True)


class RefundPartData(serializers.Serializer):
    id = object_id(help_text="The refund's id: a payment's refund has one part.")
    paymentId = object_id()
    amount = money()
    createdById = serializers.CharField()
    createdDate = serializers.CharField()
    updatedDate = serializers.CharField()


class GetRefundPartsResponse(SettlementSuccess):
    parts = RefundPartData(many=True)
