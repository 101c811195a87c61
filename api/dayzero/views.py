from functools import partial

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from api.dayzero import filters, presenters, schemas, serializers
from api.dayzero.base import DayZeroView
from api.dayzero.pagination import CursorQuery, paginate
from core.money import from_minor
from invoices import selectors as invoice_selectors
from invoices import services as invoice_services
from payments import selectors, services
from tenants import selectors as tenant_selectors
from tenants import services as tenant_services


class AccountsView(DayZeroView):
    @extend_schema(
        operation_id="dayzero_account_list",
        summary="List accounts",
        parameters=[CursorQuery],
        responses={200: schemas.page(schemas.Account)},
    )
    def get(self, request):
        page = paginate(tenant_selectors.account_list(ctx=self.tenant), self.query(CursorQuery))
        return Response(page.as_dict(presenters.account))

    @extend_schema(
        operation_id="dayzero_account_create",
        summary="Create an account",
        request=serializers.AccountIn,
        examples=[schemas.ACCOUNT_EXAMPLE],
        responses={201: schemas.Account},
    )
    def post(self, request):
        data = self.body(serializers.AccountIn)
        account = tenant_services.account_create(ctx=self.tenant, **data)
        return Response(presenters.account(account), status=201)


class AccountView(DayZeroView):
    @extend_schema(
        operation_id="dayzero_account_get", summary="Get an account", responses={200: schemas.Account}
    )
    def get(self, request, account_id):
        return Response(
            presenters.account(tenant_selectors.account_get(ctx=self.tenant, account_id=account_id))
        )


class InvoicesView(DayZeroView):
    @extend_schema(
        operation_id="dayzero_invoice_list",
        summary="List invoices",
        parameters=[CursorQuery, schemas.query(filters.InvoiceFilter)],
        responses={200: schemas.page(schemas.Invoice)},
    )
    def get(self, request):
        query = self.query(CursorQuery)
        invoices = self.filtered(filters.InvoiceFilter, invoice_selectors.invoice_list(ctx=self.tenant))
        return Response(paginate(invoices, query).as_dict(presenters.invoice))

    @extend_schema(
        operation_id="dayzero_invoice_create",
        summary="Create an invoice",
        request=serializers.InvoiceIn,
        examples=[schemas.INVOICE_EXAMPLE],
        responses={201: schemas.Invoice, 404: schemas.HTTPError},
    )
    def post(self, request):
        invoice = invoice_services.invoice_create(ctx=self.tenant, **self.body(serializers.InvoiceIn))
        return Response(presenters.invoice(invoice), status=201)


class InvoiceView(DayZeroView):
    @extend_schema(
        operation_id="dayzero_invoice_get", summary="Get an invoice", responses={200: schemas.Invoice}
    )
    def get(self, request, invoice_id):
        return Response(
            presenters.invoice(invoice_selectors.invoice_get(ctx=self.tenant, invoice_id=invoice_id))
        )


class InvoiceFinalizeView(DayZeroView):
    @extend_schema(
        operation_id="dayzero_invoice_finalize",
        summary="Finalize a draft invoice",
        request=None,
        responses={200: schemas.Invoice},
    )
    def post(self, request, invoice_id):
        invoice = invoice_services.invoice_finalize(ctx=self.tenant, invoice_id=invoice_id)
        return Response(presenters.invoice(invoice))


class InvoiceVoidView(DayZeroView):
    @extend_schema(
        operation_id="dayzero_invoice_void",
        summary="Void an invoice",
        request=None,
        responses={200: schemas.Invoice},
    )
    def post(self, request, invoice_id):
        return Response(
            presenters.invoice(invoice_services.invoice_void(ctx=self.tenant, invoice_id=invoice_id))
        )


class TransactionsView(DayZeroView):
    """DayZero's bank transactions are the ledger's payments: every one of them is money received."""

    @extend_schema(
        operation_id="dayzero_transaction_list",
        summary="List bank transactions",
        parameters=[CursorQuery, schemas.query(filters.TransactionFilter)],
        responses={200: schemas.page(schemas.Transaction)},
    )
    def get(self, request):
        query = self.query(CursorQuery)
        transactions = self.filtered(filters.TransactionFilter, selectors.payment_list(ctx=self.tenant))
        return Response(paginate(transactions, query).as_dict(presenters.transaction))

    @extend_schema(
        operation_id="dayzero_transaction_create",
        summary="Record a bank transaction",
        request=serializers.TransactionIn,
        examples=[schemas.TRANSACTION_EXAMPLE],
        responses={201: schemas.Transaction},
    )
    def post(self, request):
        payment = services.payment_record(ctx=self.tenant, **self.body(serializers.TransactionIn))
        return Response(presenters.transaction(payment), status=201)


class TransactionView(DayZeroView):
    @extend_schema(
        operation_id="dayzero_transaction_get",
        summary="Get a bank transaction",
        responses={200: schemas.Transaction},
    )
    def get(self, request, transaction_id):
        payment = selectors.payment_get(ctx=self.tenant, payment_id=transaction_id)
        return Response(presenters.transaction(payment))


class InvoicePaymentsView(DayZeroView):
    # The ledger's payment is the body's transaction, and so is a currency that does not match the invoice.
    error_locs = {
        **DayZeroView.error_locs,
        "payment_id": ("body", "transaction_id"),
        "currency": ("body", "transaction_id"),
    }

    @extend_schema(
        operation_id="dayzero_invoice_payment_list",
        summary="List an invoice's payments",
        parameters=[CursorQuery, schemas.query(filters.InvoicePaymentFilter)],
        responses={200: schemas.page(schemas.InvoicePaymentListed)},
    )
    def get(self, request, invoice_id):
        query = self.query(CursorQuery)
        if self.filtering(filters.InvoicePaymentFilter):
            invoice_pk, currency = invoice_selectors.invoice_currency(ctx=self.tenant, invoice_id=invoice_id)
            applications = self.filtered(
                filters.InvoicePaymentFilter,
                selectors.application_list(ctx=self.tenant, invoice_id=invoice_pk).values_list(
                    *presenters.LISTED_COLUMNS
                ),
                currency=currency,
            )
        else:  # the list clients poll: a page in one statement written once (payments.selectors)
            applications = selectors.ApplicationPages(self.tenant, invoice_id)
        page = paginate(applications, query, key=presenters.listed_key)
        return Response(page.as_dict(presenters.invoice_payment_listed))

    @extend_schema(
        operation_id="dayzero_invoice_payment_create",
        summary="Add payment to invoice",
        request=serializers.InvoicePaymentIn,
        examples=[schemas.INVOICE_PAYMENT_EXAMPLE],
        responses={201: schemas.InvoicePayment},
    )
    def post(self, request, invoice_id):
        data = self.body(serializers.InvoicePaymentIn)
        application = services.payment_apply(
            ctx=self.tenant,
            invoice_id=invoice_id,
            payment_id=data["transaction_id"],
            # The cents count in the transaction's currency; payment_apply refuses an invoice in another one.
            amount=partial(from_minor, data["amount"]),
            paid_on=data.get("paid_on"),
            allow_overpayment=True,  # DayZero lets a payment take an invoice's balance below zero
        )
        return Response(presenters.invoice_payment(application), status=201)


class InvoicePaymentView(DayZeroView):
    @extend_schema(
        operation_id="dayzero_invoice_payment_get",
        summary="Get an invoice payment",
        responses={200: schemas.InvoicePayment},
    )
    def get(self, request, invoice_id, payment_id):
        application = selectors.application_get(
            ctx=self.tenant, invoice_payment_id=payment_id, invoice_id=invoice_id
        )
        return Response(presenters.invoice_payment(application))

    @extend_schema(
        operation_id="dayzero_invoice_payment_delete",
        summary="Unlink a payment from an invoice",
        responses={204: None},
    )
    def delete(self, request, invoice_id, payment_id):
        services.payment_unapply(ctx=self.tenant, invoice_payment_id=payment_id, invoice_id=invoice_id)
        return Response(status=204)
