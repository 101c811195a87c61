from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from api.moov import presenters, schemas, serializers
from api.moov.base import MoovView
from invoices.models import Invoice
from invoices.services import invoice_create, invoice_update
from payments import selectors, services


class InvoicesView(MoovView):
    error_fields = {
        "amount": ("totalAmount", "valueDecimal"),
        "currency": ("totalAmount", "currency"),
        "due_date": ("dueDate",),
    }

    @extend_schema(
        operation_id="moov_invoice_list",
        summary="List an account's invoices",
        parameters=[serializers.InvoiceListQuery],
        responses={200: schemas.Invoice(many=True), 422: schemas.FIELD_ERRORS},
    )
    def get(self, request, account_id):
        query = self.query(serializers.InvoiceListQuery)
        skip, count = query.pop("skip"), query.pop("count")
        invoices = selectors.account_invoice_list(
            ctx=self.tenant, account_id=self.parents["account_id"], **query
        )
        return Response([presenters.invoice(row) for row in invoices[skip : skip + count]])

    @extend_schema(
        operation_id="moov_invoice_create",
        summary="Create an invoice",
        request=serializers.InvoiceIn,
        examples=[schemas.INVOICE_EXAMPLE],
        responses={201: schemas.Invoice},
    )
    def post(self, request, account_id):
        data = self.body(serializers.InvoiceIn)
        invoice = invoice_create(
            ctx=self.tenant, account_id=self.parents["account_id"], status=Invoice.Status.DRAFT, **data
        )
        return Response(presenters.invoice(invoice), status=201)


class InvoiceView(MoovView):
    error_fields = {"due_date": ("dueDate",)}

    @extend_schema(
        operation_id="moov_invoice_get", summary="Retrieve an invoice", responses={200: schemas.Invoice}
    )
    def get(self, request, account_id, invoice_id):
        return Response(presenters.invoice(self._invoice(invoice_id)))

    def _invoice(self, invoice_id):
        return selectors.account_invoice_get(
            ctx=self.tenant, account_id=self.parents["account_id"], invoice_id=invoice_id
        )

    @extend_schema(
        operation_id="moov_invoice_update",
        summary="Update an invoice: details, send it (unpaid) or cancel it",
        request=serializers.InvoiceUpdateIn,
        examples=[schemas.SEND_EXAMPLE],
        responses={200: schemas.Invoice},
    )
    def patch(self, request, account_id, invoice_id):
        invoice = self._invoice(invoice_id)
        invoice_update(ctx=self.tenant, invoice_id=invoice.pk, **self.body(serializers.InvoiceUpdateIn))
        return Response(presenters.invoice(self._invoice(invoice.pk)))


class InvoicePaymentsView(MoovView):
    error_fields = {"amount": ("amount", "valueDecimal"), "currency": ("amount", "currency")}

    @extend_schema(
        operation_id="moov_invoice_payment_list",
        summary="List an invoice's payments",
        responses={200: schemas.InvoicePayment(many=True)},
    )
    def get(self, request, account_id, invoice_id):
        invoice = selectors.account_invoice_get(
            ctx=self.tenant, account_id=self.parents["account_id"], invoice_id=invoice_id
        )
        return Response([presenters.invoice_payment(row) for row in invoice.applications.all()])

    @extend_schema(
        operation_id="moov_invoice_payment_create",
        summary="Create payment resource",
        request=serializers.InvoicePaymentIn,
        examples=[schemas.PAYMENT_EXAMPLE],
        responses={200: schemas.InvoicePayment},
    )
    def post(self, request, account_id, invoice_id):
        data = self.body(serializers.InvoicePaymentIn)
        # An invoice paid outside the platform, never overpaid: the payment takes no more than the balance.
        application = services.payment_record_for_invoice(
            ctx=self.tenant, account_id=self.parents["account_id"], invoice_id=invoice_id, **data
        )
        return Response(presenters.invoice_payment(application))
