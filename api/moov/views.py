"""Moov's invoices and payment links, as the SDK's `invoices` and `payment_links` modules call them. The
path's account is the merchant: the base view narrows the tenant to that entity before any handler runs."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from api import throttling
from api.moov import error_shapes as shapes
from api.moov import presenters, schemas, serializers
from api.moov.base import MoovView
from api.moov.errors import RENDERER
from api.moov.versioning import version_of
from invoices import services as invoice_services
from invoices.models import Invoice
from invoices.selectors import link_get, link_list
from payments import selectors, services

LIST_INVOICES_ERROR = shapes.query_error(serializers.InvoiceListQuery)
LIST_LINKS_ERROR = shapes.query_error(serializers.PaymentLinkListQuery)


class InvoicesView(MoovView):
    error_shapes = {"GET": LIST_INVOICES_ERROR, "POST": shapes.CreateInvoiceError}
    # A currency the customer's account does not bill in is the lines' currency.
    request_names = {"currency": ("lineItems", "items", "0", "basePrice", "currency")}

    @extend_schema(
        operation_id="moov_invoice_list",
        summary="List the merchant's invoices",
        parameters=[serializers.InvoiceListQuery],
        responses={200: schemas.Invoice(many=True), 422: LIST_INVOICES_ERROR},
    )
    def get(self, request, account_id):
        query = self.query(serializers.InvoiceListQuery)
        skip, count = query.pop("skip"), query.pop("count")
        invoices = selectors.invoices_in_full(ctx=self.tenant, **query)
        return Response([presenters.invoice(row) for row in invoices[skip : skip + count]])

    @extend_schema(
        operation_id="moov_invoice_create",
        summary="Create an invoice",
        request=serializers.InvoiceIn,
        examples=[schemas.INVOICE_EXAMPLE],
        responses={201: schemas.Invoice, 422: shapes.CreateInvoiceError},
    )
    def post(self, request, account_id):
        invoice = invoice_services.invoice_create(
            ctx=self.tenant, status=Invoice.Status.DRAFT, **self.body(serializers.InvoiceIn)
        )
        return Response(self.invoice_answer(invoice.pk), status=201)


class InvoiceView(MoovView):
    error_shapes = {"PATCH": shapes.UpdateInvoiceError}

    @extend_schema(
        operation_id="moov_invoice_get", summary="Retrieve an invoice", responses={200: schemas.Invoice}
    )
    def get(self, request, account_id, invoice_id):
        return Response(self.invoice_answer(invoice_id))

    @extend_schema(
        operation_id="moov_invoice_update",
        summary="Update an invoice: its details, its lines while a draft, send it (unpaid) or cancel it",
        request=serializers.InvoiceUpdateIn,
        examples=[schemas.SEND_EXAMPLE],
        responses={200: schemas.Invoice, 422: shapes.UpdateInvoiceError},
    )
    def patch(self, request, account_id, invoice_id):
        invoice = invoice_services.invoice_update(
            ctx=self.tenant, invoice_id=invoice_id, **self.body(serializers.InvoiceUpdateIn)
        )
        return Response(self.invoice_answer(invoice.pk))

    @extend_schema(
        operation_id="moov_invoice_delete",
        summary="Delete a draft invoice",
        responses={204: None, 409: schemas.Error},
    )
    def delete(self, request, account_id, invoice_id):
        invoice_services.invoice_delete(ctx=self.tenant, invoice_id=invoice_id)
        return Response(status=204)


class InvoiceNotificationsView(MoovView):
    error_shapes = {"POST": shapes.InvoiceNotificationError}

    @extend_schema(
        operation_id="moov_invoice_notification_create",
        summary="Email the invoice again",
        request=serializers.NotificationIn,
        responses={
            204: None,
            409: schemas.Error,
            422: shapes.InvoiceNotificationError,
            429: schemas.NotificationRateLimited,
        },
    )
    def post(self, request, account_id, invoice_id):
        self.body(serializers.NotificationIn)
        # An invoice is emailed again at most INVOICE_EMAIL_RATE_LIMIT: the customer is not to be spammed.
        key = f"{self.tenant.business_id}:{invoice_id}"
        refusal = throttling.hit("invoice-email", key, settings.INVOICE_EMAIL_RATE_LIMIT)
        if refusal is not None:
            body = {
                "error": "the invoice was emailed a moment ago",
                **self.limited_channels(refusal.reset_seconds),
            }
            return Response(body, status=429, headers=throttling.headers(refusal))
        invoice_services.invoice_notify(ctx=self.tenant, invoice_id=invoice_id)
        return Response(status=204)

    def limited_channels(self, seconds: int) -> dict:
        """What a 429 here adds (the SDK's InvoiceNotificationRateLimitedError): email is free again then."""
        available = presenters.timestamp(timezone.now() + timedelta(seconds=seconds))
        return {"limitedChannels": [{"channel": "email", "availableOn": available}], "availableChannels": []}


class InvoicePaymentsView(MoovView):
    error_shapes = {"POST": shapes.CreateInvoicePaymentError}
    request_names = {"currency": ("amount", "currency")}

    @extend_schema(
        operation_id="moov_invoice_payment_list",
        summary="List an invoice's payments",
        responses={200: schemas.InvoicePayment(many=True)},
    )
    def get(self, request, account_id, invoice_id):
        invoice = selectors.invoice_in_full(ctx=self.tenant, invoice_id=invoice_id)
        return Response([presenters.invoice_payment(row) for row in invoice.applications.all()])

    @extend_schema(
        operation_id="moov_invoice_payment_create",
        summary="Create payment resource",
        request=serializers.InvoicePaymentIn,
        examples=[schemas.PAYMENT_EXAMPLE],
        responses={200: schemas.InvoicePayment, 422: shapes.CreateInvoicePaymentError},
    )
    def post(self, request, account_id, invoice_id):
        # An invoice paid outside the platform, never overpaid: the payment takes no more than the balance.
        application = services.payment_record_for_invoice(
            ctx=self.tenant, invoice_id=invoice_id, **self.body(serializers.InvoicePaymentIn)
        )
        return Response(presenters.invoice_payment(application))


class PaymentLinksView(MoovView):
    error_shapes = {"GET": LIST_LINKS_ERROR}

    @extend_schema(
        operation_id="moov_payment_link_list",
        summary="List the merchant's payment links",
        parameters=[serializers.PaymentLinkListQuery],
        responses={200: schemas.PaymentLink(many=True), 422: LIST_LINKS_ERROR},
    )
    def get(self, request, account_id):
        query = self.query(serializers.PaymentLinkListQuery)
        skip, count = query["skip"], query["count"]
        # Every link here is an invoice's.
        links = (
            link_list(ctx=self.tenant) if "invoice-payment" in query.get("types", ["invoice-payment"]) else []
        )
        return Response([presenters.payment_link(row) for row in links[skip : skip + count]])


class PaymentLinkView(MoovView):
    error_shapes = {"PATCH": shapes.UpdatePaymentLinkError}

    @extend_schema(
        operation_id="moov_payment_link_get",
        summary="Retrieve a payment link",
        responses={200: schemas.PaymentLink},
    )
    def get(self, request, account_id, link_code):
        return Response(presenters.payment_link(link_get(ctx=self.tenant, code=link_code)))

    @extend_schema(
        operation_id="moov_payment_link_update",
        summary="Update a payment link: its expiry, what its page shows and asks",
        request=serializers.PaymentLinkUpdateIn,
        responses={200: schemas.PaymentLink, 422: shapes.UpdatePaymentLinkError},
    )
    def patch(self, request, account_id, link_code):
        link = link_get(ctx=self.tenant, code=link_code)
        invoice_services.payment_link_update(
            ctx=self.tenant, link_id=link.pk, **self.body(serializers.PaymentLinkUpdateIn)
        )
        return Response(presenters.payment_link(link_get(ctx=self.tenant, code=link_code)))

    @extend_schema(
        operation_id="moov_payment_link_disable",
        summary="Disable a payment link",
        responses={204: None, 409: schemas.Error},
    )
    def delete(self, request, account_id, link_code):
        link = link_get(ctx=self.tenant, code=link_code)
        invoice_services.payment_link_cancel(ctx=self.tenant, link_id=link.pk)
        return Response(status=204)


# Exempt: a POST without a CSRF cookie would otherwise get Django's 403 page, not the 404.
@csrf_exempt
def not_found(request, *args, **kwargs):
    """A path under /accounts/ that is none of Moov's: its 404, with the version echoed."""
    response = RENDERER.json_response(404, "Not Found")
    response["X-Moov-Version"] = version_of(request)
    return response
