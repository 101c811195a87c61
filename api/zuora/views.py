from datetime import UTC, datetime, time

from rest_framework.response import Response

from api.zuora import presenters, serializers
from api.zuora.base import ZuoraView
from payments import selectors, services
from payments.models import Payment
from tenants import selectors as tenant_selectors
from tenants import services as tenant_services


class AccountCreateView(ZuoraView):
    def post(self, request):
        data = self.body(serializers.AccountIn)
        email = data.get("BillToContact", {}).get("WorkEmail", "")
        account = tenant_services.account_create(
            ctx=self.tenant, name=data["Name"], currency=data["Currency"], email=email
        )
        return Response(presenters.created(presenters.zid(account.id)))


class AccountView(ZuoraView):
    def get(self, request, object_id):
        return Response(
            presenters.account(tenant_selectors.account_get(ctx=self.tenant, account_id=object_id))
        )


class InvoiceView(ZuoraView):
    def get(self, request, object_id):
        return Response(presenters.invoice(selectors.invoice_get(ctx=self.tenant, invoice_id=object_id)))


class PaymentCreateView(ZuoraView):
    def post(self, request):
        data = self.body(serializers.PaymentIn)
        payment = services.payment_record(
            ctx=self.tenant,
            kind=Payment.Kind.PAYMENT,
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
    def get(self, request, object_id):
        return Response(presenters.payment(selectors.payment_get(ctx=self.tenant, payment_id=object_id)))


class InvoicePaymentCreateView(ZuoraView):
    def post(self, request):
        data = self.body(serializers.InvoicePaymentIn)
        application = services.payment_apply(
            ctx=self.tenant, invoice_id=data["InvoiceId"], payment_id=data["PaymentId"], amount=data["Amount"]
        )
        return Response(presenters.created(presenters.zid(application.id)))


class InvoicePaymentView(ZuoraView):
    path_field = "invoice_payment_id"

    def get(self, request, object_id):
        application = selectors.application_get(ctx=self.tenant, invoice_payment_id=object_id)
        return Response(presenters.invoice_payment(application))

    def put(self, request, object_id):
        data = self.body(serializers.InvoicePaymentUpdate)
        application = services.application_change_amount(
            ctx=self.tenant, invoice_payment_id=object_id, amount=data["Amount"]
        )
        return Response(presenters.created(presenters.zid(application.id)))


class RefundCreateView(ZuoraView):
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
            type=data["Type"],
        )
        return Response(presenters.created(presenters.zid(refund.id)))


class RefundView(ZuoraView):
    def get(self, request, object_id):
        refund = selectors.refund_get(ctx=self.tenant, refund_id=object_id)
        return Response(presenters.refund(refund))
