from rest_framework.response import Response

from api.dayzero import filters, presenters, serializers
from api.dayzero.base import DayZeroView
from api.dayzero.pagination import CursorQuery, paginate
from invoices.services import invoice_create
from payments import selectors, services
from payments.models import Payment
from payments.money import from_minor
from tenants import selectors as tenant_selectors
from tenants import services as tenant_services


class AccountsView(DayZeroView):
    def get(self, request):
        page = paginate(tenant_selectors.account_list(ctx=self.tenant), self.query(CursorQuery))
        return Response(page.as_dict(presenters.account))

    def post(self, request):
        data = self.body(serializers.AccountIn)
        account = tenant_services.account_create(ctx=self.tenant, **data)
        return Response(presenters.account(account), status=201)


class AccountView(DayZeroView):
    def get(self, request, account_id):
        return Response(
            presenters.account(tenant_selectors.account_get(ctx=self.tenant, account_id=account_id))
        )


class InvoicesView(DayZeroView):
    def get(self, request):
        query = self.query(CursorQuery)
        invoices = self.filtered(filters.InvoiceFilter, selectors.invoice_list(ctx=self.tenant))
        return Response(paginate(invoices, query).as_dict(presenters.invoice))

    def post(self, request):
        invoice = invoice_create(ctx=self.tenant, **self.body(serializers.InvoiceIn))
        return Response(presenters.invoice(invoice), status=201)


class InvoiceView(DayZeroView):
    def get(self, request, invoice_id):
        return Response(presenters.invoice(selectors.invoice_get(ctx=self.tenant, invoice_id=invoice_id)))


class InvoiceFinalizeView(DayZeroView):
    def post(self, request, invoice_id):
        return Response(presenters.invoice(services.invoice_finalize(ctx=self.tenant, invoice_id=invoice_id)))


class InvoiceVoidView(DayZeroView):
    def post(self, request, invoice_id):
        return Response(presenters.invoice(services.invoice_void(ctx=self.tenant, invoice_id=invoice_id)))


class TransactionsView(DayZeroView):
    """DayZero's bank transactions are the ledger's payments: every one of them is money received."""

    def get(self, request):
        query = self.query(CursorQuery)
        transactions = self.filtered(filters.TransactionFilter, selectors.payment_list(ctx=self.tenant))
        return Response(paginate(transactions, query).as_dict(presenters.transaction))

    def post(self, request):
        payment = services.payment_record(
            ctx=self.tenant, kind=Payment.Kind.BANK_TRANSACTION, **self.body(serializers.TransactionIn)
        )
        return Response(presenters.transaction(payment), status=201)


class TransactionView(DayZeroView):
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

    def get(self, request, invoice_id):
        query = self.query(CursorQuery)
        invoice = selectors.invoice_get(ctx=self.tenant, invoice_id=invoice_id)
        applications = self.filtered(
            filters.InvoicePaymentFilter,
            selectors.application_list(ctx=self.tenant, invoice_id=invoice.pk),
            currency=invoice.currency,
        )
        return Response(paginate(applications, query).as_dict(presenters.invoice_payment_listed))

    def post(self, request, invoice_id):
        data = self.body(serializers.InvoicePaymentIn)
        # The cents count in the transaction's currency; payment_apply refuses an invoice in another one.
        transaction = selectors.payment_get(ctx=self.tenant, payment_id=data["transaction_id"])
        application = services.payment_apply(
            ctx=self.tenant,
            invoice_id=invoice_id,
            payment_id=transaction.pk,
            amount=from_minor(data["amount"], transaction.currency),
            paid_on=data.get("paid_on"),
            allow_overpayment=True,  # DayZero lets a payment take an invoice's balance below zero
        )
        return Response(presenters.invoice_payment(application), status=201)


class InvoicePaymentView(DayZeroView):
    def get(self, request, invoice_id, payment_id):
        application = selectors.application_get(
            ctx=self.tenant, invoice_payment_id=payment_id, invoice_id=invoice_id
        )
        return Response(presenters.invoice_payment(application))

    def delete(self, request, invoice_id, payment_id):
        services.application_remove(ctx=self.tenant, invoice_payment_id=payment_id, invoice_id=invoice_id)
        return Response(status=204)
