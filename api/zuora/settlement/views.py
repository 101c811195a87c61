"""The Invoice Settlement API (zuora-sdk's AccountsApi, InvoicesApi, PaymentsApi and RefundsApi) over the
one ledger. An object is named by its key (keys.py); the answers are presenters.py's."""

from datetime import UTC, datetime, time
from urllib.parse import urlencode

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers as drf
from rest_framework.response import Response

from api.zuora.base import ZuoraView
from api.zuora.settlement import filters, keys, presenters, schemas, serializers
from api.zuora.settlement.errors import RENDERERS
from invoices import services as invoice_services
from payments import selectors, services
from tenants import services as tenant_services

INVOICE_STATUS = {"Draft": "draft", "Posted": "open"}


class SettlementView(ZuoraView):
    errors = RENDERERS[0]
    schema = schemas.SettlementSchema()

    def query(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.query_params)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def page(self, rows: QuerySet, present, listed: str, **filtered) -> Response:
        """One page of `rows`, and the path of the next while there is one (one query: a row past the
        page says there is)."""
        paging = self.query(filters.PagingIn)
        page, size = paging["page"], paging["pageSize"]
        found = list(rows[(page - 1) * size : page * size + 1])
        body = {**presenters.SUCCESS, listed: [present(row) for row in found[:size]]}
        if len(found) > size:
            query = {**self.request.query_params.dict(), "page": page + 1, "pageSize": size}
            body["nextPage"] = f"{self.request.path}?{urlencode(query)}"
        return Response(body)

    def filtered(self, filterset_class, rows: QuerySet) -> QuerySet:
        filterset = filterset_class(self.request.query_params, queryset=rows)
        if not filterset.is_valid():
            raise drf.ValidationError(filterset.errors)
        return filterset.qs


def _account_key(data: dict) -> str:
    return data.get("accountId") or data["accountNumber"]


def _parts(ctx, invoices: list[dict]) -> list[services.Part]:
    """The invoices of an apply, unapply or payment, each named by id or number, as the ledger's parts."""
    return [
        services.Part(
            keys.invoice(
                ctx, part.get("invoiceId") or part["invoiceNumber"], field=f"parts.{n}.invoice_id"
            ).id,
            part["amount"],
        )
        for n, part in enumerate(invoices)
    ]


def _midnight(day) -> datetime | None:
    return datetime.combine(day, time(0), tzinfo=UTC) if day else None


# --- accounts -------------------------------------------------------------------------------------------


class AccountsView(SettlementView):
    @extend_schema(
        operation_id="zuora_create_account",
        summary="Create an account",
        request=serializers.AccountIn,
        responses={200: schemas.CreateAccountResponse},
    )
    def post(self, request):
        data = self.body(serializers.AccountIn)
        contact = {key: value for key, value in data["billToContact"].items() if key != "workEmail" and value}
        account = tenant_services.account_create(
            ctx=self.tenant,
            name=data["name"],
            currency=data["currency"],
            email=data["billToContact"].get("workEmail", ""),
            contact=contact,
        )
        return Response(presenters.account_created(account))


class AccountView(SettlementView):
    @extend_schema(
        operation_id="zuora_get_account",
        summary="Retrieve an account, by id or number",
        responses={200: schemas.AccountDetailResponse},
    )
    def get(self, request, account_key):
        account = keys.account(self.tenant, account_key)
        totals = selectors.account_totals(ctx=self.tenant, account=account)
        return Response(presenters.account(account, **totals))


# --- invoices -------------------------------------------------------------------------------------------


class InvoicesView(SettlementView):
    @extend_schema(
        operation_id="zuora_create_standalone_invoice",
        summary="Create a standalone invoice of items",
        request=serializers.InvoiceIn,
        responses={200: schemas.InvoiceResponse},
    )
    def post(self, request):
        data = self.body(serializers.InvoiceIn)
        account = keys.account(self.tenant, _account_key(data))
        invoice = invoice_services.invoice_create(
            ctx=self.tenant,
            account_id=account.id,
            lines=data["invoiceItems"],
            currency=data.get("currency"),
            number=data.get("invoiceNumber", "").strip() or None,
            status=INVOICE_STATUS[data["status"]],
            invoice_date=data["invoiceDate"],
            due_date=data.get("dueDate"),
            description=data["comments"],
        )
        return Response(presenters.invoice(invoice))


class InvoiceView(SettlementView):
    @extend_schema(
        operation_id="zuora_get_invoice",
        summary="Retrieve an invoice",
        responses={200: schemas.InvoiceResponse},
    )
    def get(self, request, invoice_key):
        return Response(presenters.invoice(keys.invoice(self.tenant, invoice_key)))


class InvoiceItemsView(SettlementView):
    @extend_schema(
        operation_id="zuora_get_invoice_items",
        summary="List an invoice's items",
        parameters=[filters.PagingIn],
        responses={200: schemas.InvoiceItemsResponse},
    )
    def get(self, request, invoice_key):
        invoice = keys.invoice(self.tenant, invoice_key)
        lines = invoice.lines.prefetch_related("options").order_by("position")
        return self.page(lines, presenters.invoice_item, "invoiceItems")


class InvoiceApplicationPartsView(SettlementView):
    @extend_schema(
        operation_id="zuora_get_invoice_application_parts",
        summary="List the payments applied to an invoice",
        parameters=[filters.PagingIn],
        responses={200: schemas.InvoiceApplicationPartsResponse},
    )
    def get(self, request, invoice_key):
        invoice = keys.invoice(self.tenant, invoice_key)
        applications = selectors.application_list(ctx=self.tenant, invoice_id=invoice.id).order_by(
            "created_at", "id"
        )
        return self.page(applications, presenters.application_part, "applicationParts")


class InvoicePostView(SettlementView):
    @extend_schema(
        operation_id="zuora_post_invoice",
        summary="Post a draft invoice",
        request=serializers.InvoicePostIn,
        responses={200: schemas.AsyncOperationResponse},
    )
    def put(self, request, invoice_key):
        data = self.body(serializers.InvoicePostIn) if request.data else {}
        invoice = keys.invoice(self.tenant, invoice_key)
        invoice_services.invoice_finalize(
            ctx=self.tenant, invoice_id=invoice.id, invoice_date=data.get("invoiceDate")
        )
        return Response(presenters.operation_done(invoice))


class InvoiceCancelView(SettlementView):
    @extend_schema(
        operation_id="zuora_cancel_invoice",
        summary="Cancel a draft invoice",
        request=None,
        responses={200: schemas.AsyncOperationResponse},
    )
    def put(self, request, invoice_key):
        invoice = keys.invoice(self.tenant, invoice_key)
        invoice_services.invoice_cancel(ctx=self.tenant, invoice_id=invoice.id)
        return Response(presenters.operation_done(invoice))


# --- payments -------------------------------------------------------------------------------------------


def _payments(ctx) -> QuerySet:
    return selectors.payment_list(ctx=ctx).select_related("account")


def _payment_answer(ctx, payment_id) -> Response:
    payment = _payments(ctx).get(pk=payment_id)
    return Response({**presenters.SUCCESS, **presenters.payment(payment)})


class PaymentsView(SettlementView):
    @extend_schema(
        operation_id="zuora_get_retrieve_all_payments",
        summary="List payments",
        parameters=[filters.PagingIn, filters.PaymentFilter, schemas.SORT],
        responses={200: schemas.GetPaymentsResponse},
    )
    def get(self, request):
        rows = filters.payments_with_shown_amounts(_payments(self.tenant))
        rows = self.filtered(filters.PaymentFilter, rows)
        rows = rows.order_by(*filters.sort_order(request.query_params.get("sort"), filters.PAYMENT_SORT))
        return self.page(rows, presenters.payment, "payments")

    @extend_schema(
        operation_id="zuora_create_payment",
        summary="Create an external payment, applied to invoices or unapplied",
        request=serializers.PaymentIn,
        responses={200: schemas.PaymentResponse},
    )
    def post(self, request):
        data = self.body(serializers.PaymentIn)
        account = keys.account(self.tenant, _account_key(data))
        payment = services.payment_record(
            ctx=self.tenant,
            account_id=account.id,
            amount=data["amount"],
            currency=data["currency"],
            occurred_at=_midnight(data.get("effectiveDate")) or datetime.now(UTC),
            parts=_parts(self.tenant, data.get("invoices", [])),
            reference=data["referenceId"],
            description=data["comment"],
            payment_method_id=data["paymentMethodId"],
        )
        return _payment_answer(self.tenant, payment.id)


class PaymentView(SettlementView):
    @extend_schema(
        operation_id="zuora_get_payment",
        summary="Retrieve a payment, by id or number",
        responses={200: schemas.PaymentResponse},
    )
    def get(self, request, payment_key):
        return Response({**presenters.SUCCESS, **presenters.payment(keys.payment(self.tenant, payment_key))})

    @extend_schema(
        operation_id="zuora_update_payment",
        summary="Update a payment's comment or reference",
        request=serializers.PaymentUpdateIn,
        responses={200: schemas.PaymentResponse},
    )
    def put(self, request, payment_key):
        data = self.body(serializers.PaymentUpdateIn)
        payment = keys.payment(self.tenant, payment_key)
        details = {"description": data.get("comment"), "reference": data.get("referenceId")}
        services.payment_update(
            ctx=self.tenant, payment_id=payment.id, **{k: v for k, v in details.items() if v is not None}
        )
        return _payment_answer(self.tenant, payment.id)


class PaymentApplyView(SettlementView):
    @extend_schema(
        operation_id="zuora_apply_payment",
        summary="Apply a payment to invoices",
        request=serializers.ApplyIn,
        responses={200: schemas.PaymentResponse},
    )
    def put(self, request, payment_key):
        data = self.body(serializers.ApplyIn)
        payment = keys.payment(self.tenant, payment_key)
        services.payment_apply_parts(
            ctx=self.tenant,
            payment_id=payment.id,
            parts=_parts(self.tenant, data["invoices"]),
            paid_on=_midnight(data.get("effectiveDate")),
        )
        return _payment_answer(self.tenant, payment.id)


class PaymentUnapplyView(SettlementView):
    @extend_schema(
        operation_id="zuora_unapply_payment",
        summary="Take a payment off invoices",
        request=serializers.UnapplyIn,
        responses={200: schemas.PaymentResponse},
    )
    def put(self, request, payment_key):
        data = self.body(serializers.UnapplyIn)
        payment = keys.payment(self.tenant, payment_key)
        services.payment_unapply_parts(
            ctx=self.tenant, payment_id=payment.id, parts=_parts(self.tenant, data["invoices"])
        )
        return _payment_answer(self.tenant, payment.id)


class PaymentCancelView(SettlementView):
    @extend_schema(
        operation_id="zuora_cancel_payment",
        summary="Cancel a payment with nothing applied or refunded",
        request=None,
        responses={200: schemas.PaymentResponse},
    )
    def put(self, request, payment_key):
        payment = keys.payment(self.tenant, payment_key)
        services.payment_cancel(ctx=self.tenant, payment_id=payment.id)
        return _payment_answer(self.tenant, payment.id)


class PaymentPartsView(SettlementView):
    @extend_schema(
        operation_id="zuora_get_payment_parts",
        summary="List a payment's parts (what it applied to each invoice)",
        parameters=[filters.PagingIn],
        responses={200: schemas.GetPaymentPartsResponse},
    )
    def get(self, request, payment_key):
        payment = keys.payment(self.tenant, payment_key)
        parts = selectors.application_list(ctx=self.tenant, payment_id=payment.id).order_by(
            "created_at", "id"
        )
        return self.page(parts, presenters.payment_part, "parts")


class PaymentPartView(SettlementView):
    @extend_schema(
        operation_id="zuora_get_payment_part",
        summary="Retrieve a payment's part",
        responses={200: schemas.GetPaymentPartResponse},
    )
    def get(self, request, payment_key, part_id):
        payment = keys.payment(self.tenant, payment_key)
        part = selectors.application_get(ctx=self.tenant, invoice_payment_id=part_id, payment_id=payment.id)
        return Response({**presenters.SUCCESS, "paymentPart": presenters.payment_part(part)})


# --- refunds --------------------------------------------------------------------------------------------


def _refund(view: SettlementView, payment_key: str, data: dict) -> Response:
    payment = keys.payment(view.tenant, payment_key)
    parts = [
        services.RefundPart(p.invoice_id, p.amount) for p in _parts(view.tenant, data.get("invoices", []))
    ]
    refund = services.refund_create(
        ctx=view.tenant,
        payment_id=payment.id,
        amount=data["totalAmount"],
        parts=parts,
        from_unapplied=True,
        refund_date=data.get("refundDate"),
        comment=data["comment"],
        method=data["methodType"],
        reference=data["referenceId"],
    )
    return Response({**presenters.SUCCESS, **presenters.refund(refund)})


class PaymentRefundsView(SettlementView):
    field_names = {"amount": "totalAmount"}

    @extend_schema(
        operation_id="zuora_create_refund_payment",
        summary="Refund what a payment left unapplied",
        request=serializers.RefundIn,
        responses={200: schemas.RefundResponse},
    )
    def post(self, request, payment_key):
        return _refund(self, payment_key, self.body(serializers.RefundIn))


class PaymentRefundWithUnapplyView(SettlementView):
    field_names = PaymentRefundsView.field_names

    @extend_schema(
        operation_id="zuora_refund_payment_with_auto_unapply",
        summary="Refund a payment, taking it off the invoices named first",
        request=serializers.RefundWithUnapplyIn,
        responses={200: schemas.RefundResponse},
    )
    def post(self, request, payment_key):
        return _refund(self, payment_key, self.body(serializers.RefundWithUnapplyIn))


class RefundsView(SettlementView):
    @extend_schema(
        operation_id="zuora_get_refunds",
        summary="List refunds",
        parameters=[filters.PagingIn, filters.RefundFilter, schemas.SORT],
        responses={200: schemas.GetRefundsResponse},
    )
    def get(self, request):
        rows = self.filtered(filters.RefundFilter, selectors.refund_list(ctx=self.tenant))
        rows = rows.order_by(*filters.sort_order(request.query_params.get("sort"), filters.REFUND_SORT))
        return self.page(rows, presenters.refund, "refunds")


class RefundView(SettlementView):
    @extend_schema(
        operation_id="zuora_get_refund",
        summary="Retrieve a refund, by id or number",
        responses={200: schemas.RefundResponse},
    )
    def get(self, request, refund_key):
        return Response({**presenters.SUCCESS, **presenters.refund(keys.refund(self.tenant, refund_key))})


class RefundPartsView(SettlementView):
    @extend_schema(
        operation_id="zuora_get_refund_parts",
        summary="List a refund's parts",
        responses={200: schemas.GetRefundPartsResponse},
    )
    def get(self, request, refund_key):
        refund = keys.refund(self.tenant, refund_key)
        return Response({**presenters.SUCCESS, "parts": [presenters.refund_part(refund)]})
