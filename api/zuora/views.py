from datetime import UTC, datetime, time

from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from api.errors import renderer_for_path
from api.zuora import presenters, schemas, serializers
from api.zuora.base import ZuoraView
from invoices import selectors as invoice_selectors
from payments import selectors, services
from payments.models import Payment
from tenants import selectors as tenant_selectors
from tenants import services as tenant_services


class AccountCreateView(ZuoraView):
    @extend_schema(
        operation_id="zuora_account_create",
        summary="Create an account",
        request=serializers.AccountIn,
        examples=[schemas.ACCOUNT_EXAMPLE],
        responses={200: schemas.Created},
    )
    def post(self, request):
        data = self.body(serializers.AccountIn)
        email = data.get("BillToContact", {}).get("WorkEmail", "")
        account = tenant_services.account_create(
            ctx=self.tenant, name=data["Name"], currency=data["Currency"], email=email
        )
        return Response(presenters.created(presenters.zid(account.id)))


class AccountView(ZuoraView):
    @extend_schema(
        operation_id="zuora_account_get", summary="Retrieve an account", responses={200: schemas.Account}
    )
    def get(self, request, object_id):
        return Response(
            presenters.account(tenant_selectors.account_get(ctx=self.tenant, account_id=object_id))
        )


class InvoiceView(ZuoraView):
    @extend_schema(
        operation_id="zuora_invoice_get", summary="Retrieve an invoice", responses={200: schemas.Invoice}
    )
    def get(self, request, object_id):
        return Response(
            presenters.invoice(invoice_selectors.invoice_get(ctx=self.tenant, invoice_id=object_id))
        )


class PaymentCreateView(ZuoraView):
    @extend_schema(
        operation_id="zuora_payment_create",
        summary="Create a payment",
        request=serializers.PaymentIn,
        examples=[schemas.PAYMENT_EXAMPLE],
        responses={200: schemas.Created},
    )
    def post(self, request):
        data = self.body(serializers.PaymentIn)
        payment = services.payment_record(
            ctx=self.tenant,
            account_id=data["AccountId"],
            amount=data["Amount"],
            occurred_at=datetime.combine(data["EffectiveDate"], time(0), tzinfo=UTC),
            status=Payment.Status.DRAFT if data["Status"] == "Draft" else Payment.Status.PROCESSED,
            reference=data["ReferenceId"],
            description=data["Comment"],
            payment_method_id=data["PaymentMethodId"],
        )
        return Response(presenters.created(presenters.zid(payment.id)))


class PaymentView(ZuoraView):
    @extend_schema(
        operation_id="zuora_payment_get", summary="Retrieve a payment", responses={200: schemas.Payment}
    )
    def get(self, request, object_id):
        return Response(presenters.payment(selectors.payment_get(ctx=self.tenant, payment_id=object_id)))


class InvoicePaymentCreateView(ZuoraView):
    @extend_schema(
        operation_id="zuora_invoice_payment_create",
        summary="Create an invoice payment",
        request=serializers.InvoicePaymentIn,
        examples=[schemas.INVOICE_PAYMENT_EXAMPLE],
        responses={200: schemas.Created},
    )
    def post(self, request):
        data = self.body(serializers.InvoicePaymentIn)
        application = services.payment_apply(
            ctx=self.tenant, invoice_id=data["InvoiceId"], payment_id=data["PaymentId"], amount=data["Amount"]
        )
        return Response(presenters.created(presenters.zid(application.id)))


class InvoicePaymentView(ZuoraView):
    path_field = "invoice_payment_id"

    @extend_schema(
        operation_id="zuora_invoice_payment_get",
        summary="Retrieve an invoice payment",
        responses={200: schemas.InvoicePayment},
    )
    def get(self, request, object_id):
        application = selectors.application_get(ctx=self.tenant, invoice_payment_id=object_id)
        return Response(presenters.invoice_payment(application))

    @extend_schema(
        operation_id="zuora_invoice_payment_update",
        summary="Update an invoice payment's amount",
        request=serializers.InvoicePaymentUpdate,
        examples=[schemas.AMOUNT_EXAMPLE],
        responses={200: schemas.Created},
    )
    def put(self, request, object_id):
        data = self.body(serializers.InvoicePaymentUpdate)
        application = services.application_change_amount(
            ctx=self.tenant, invoice_payment_id=object_id, amount=data["Amount"]
        )
        return Response(presenters.created(presenters.zid(application.id)))


class RefundCreateView(ZuoraView):
    @extend_schema(
        operation_id="zuora_refund_create",
        summary="Create a refund",
        request=serializers.RefundIn,
        examples=[schemas.REFUND_EXAMPLE],
        responses={200: schemas.Created},
    )
    def post(self, request):
        data = self.body(serializers.RefundIn)
        lines = data.get("RefundInvoicePaymentData", {}).get("RefundInvoicePayment")
        refund = services.refund_create(
            ctx=self.tenant,
            payment_id=data["PaymentId"],
            amount=data["Amount"],
            parts=[services.RefundPart(line["InvoiceId"], line["RefundAmount"]) for line in lines]
            if lines
            else None,
            refund_date=data.get("RefundDate"),
            comment=data["Comment"],
        )
        return Response(presenters.created(presenters.zid(refund.id)))


class RefundView(ZuoraView):
    @extend_schema(
        operation_id="zuora_refund_get", summary="Retrieve a refund", responses={200: schemas.Refund}
    )
    def get(self, request, object_id):
        refund = selectors.refund_get(ctx=self.tenant, refund_id=object_id)
        return Response(presenters.refund(refund))


# Exempt: a POST without a CSRF cookie would otherwise get Django's 403 page, not the 404.
@csrf_exempt
def not_found(request, *args, **kwargs):
    """A path under /v1/ or /oauth/ that is none of Zuora's: its 404 in JSON, whatever DEBUG says (with DEBUG
    on, Django would answer an unresolved path with its HTML page, not handler404). Under the Invoice
    Settlement API's paths, in its envelope."""
    return renderer_for_path(request.path_info).json_response(404, "Not Found")
