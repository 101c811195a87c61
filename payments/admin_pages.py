"""The pages that bring the ledger together for a clerk: an invoice with its money and its timeline, an
account with what it owes and holds and what happened, the ledger events with their invoice, account and
amount. payments/admin.py registers them in place of the lower layers' plain pages."""

from django.contrib import admin
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.html import format_html, format_html_join

from invoices.admin import InvoiceAdmin
from invoices.models import Invoice
from ledger.admin import LedgerEventAdmin
from payments.admin_forms import ApplyPaymentForm
from payments.models import InvoicePayment, Payment, Receipt, Refund, RefundLine
from payments.selectors import UNALLOCATED, account_totals
from payments.timeline import ledger_timeline
from tenants.admin import EVERYWHERE, AccountAdmin, ReadOnlyInline, admin_link
from tenants.admin_lists import money

WITH_TIMELINE = "admin/back_office/change_form_with_timeline.html"


def timeline_html(moments) -> str:
    if not moments:
        return format_html('<p class="help">{}</p>', "Nothing happened yet.")
    items = format_html_join(
        "",
        '<li><span class="when">{}</span>{}{}</li>',
        (
            (
                f"{m.at:%Y-%m-%d %H:%M}",
                m.text,
                format_html(" · reason: <q>{}</q>", m.reason) if m.reason else "",
            )
            for m in moments
        ),
    )
    return format_html('<ul class="timeline">{}</ul>', items)


class InvoiceApplicationInline(ReadOnlyInline):
    model = InvoicePayment
    fk_name = "invoice"
    verbose_name_plural = "applications (invoice payments)"
    fields = readonly_fields = ("payment_shown", "amount_shown", "refunded_shown", "paid_on", "created_by")
    select_related = ("payment", "invoice")

    @admin.display(description="payment")
    def payment_shown(self, application):
        return admin_link(Payment, application.payment_id, str(application.payment))

    @admin.display(description="amount")
    def amount_shown(self, application):
        return money(application.amount, application.invoice.currency)

    @admin.display(description="refunded")
    def refunded_shown(self, application):
        return money(application.refund_amount, application.invoice.currency)


class InvoiceRefundInline(ReadOnlyInline):
    model = RefundLine
    fk_name = "invoice"
    verbose_name_plural = "refunds"
    show_change_link = False
    fields = readonly_fields = ("refund_shown", "amount_shown", "comment", "created_by")
    select_related = ("refund", "invoice")

    @admin.display(description="refund")
    def refund_shown(self, line):
        return admin_link(Refund, line.refund_id, f"Refund of {line.refund.refund_date:%Y-%m-%d}")

    @admin.display(description="amount")
    def amount_shown(self, line):
        return money(line.amount, line.invoice.currency)

    @admin.display(description="comment")
    def comment(self, line):
        return line.refund.comment

    @admin.display(description="by")
    def created_by(self, line):
        return line.refund.created_by


class InvoiceReceiptInline(ReadOnlyInline):
    model = Receipt
    fields = readonly_fields = (
        "amount_shown",
        "status",
        "to_email",
        "paid_on",
        "sent_at",
        "balance_after_shown",
    )

    @admin.display(description="amount")
    def amount_shown(self, receipt):
        return money(receipt.amount, receipt.currency)

    @admin.display(description="balance after")
    def balance_after_shown(self, receipt):
        return money(receipt.balance_after, receipt.currency)


class LedgerInvoiceAdmin(InvoiceAdmin):
    """The invoice page with its money: applications, refunds and receipts, what happened to it in words,
    and applying a payment."""

    change_form_template = WITH_TIMELINE
    inlines = (InvoiceApplicationInline, InvoiceRefundInline, InvoiceReceiptInline, *InvoiceAdmin.inlines)
    actions = ("apply_payment", *InvoiceAdmin.actions)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        invoice = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if invoice is not None:
            ctx = self.staff_context(request, invoice.business_id)
            context["timeline"] = timeline_html(
                ledger_timeline(ctx=ctx, invoice_ids=[invoice.pk], here=invoice.pk)
            )
        return super().change_view(request, object_id, form_url, context)

    @admin.action(description="Apply a payment", permissions=["operate"], location=EVERYWHERE)
    def apply_payment(self, request, queryset):
        return self.form_action(
            request, queryset.select_related("account"), ApplyPaymentForm, action="apply_payment"
        )


class LedgerEventsAdmin(LedgerEventAdmin):
    """The ledger events with what they are about: the invoice's number, the account, the amount."""

    list_display = (
        "created_at",
        "kind",
        "invoice_shown",
        "account_shown",
        "payment_shown",
        "amount_shown",
        "actor",
        "business",
    )
    search_help_text = "Invoice number, payment reference, actor, reason, request id, invoice or payment id"

    def get_queryset(self, request):
        invoices = Invoice.objects.of_business(OuterRef("business_id")).filter(pk=OuterRef("invoice_id"))
        payments = Payment.objects.of_business(OuterRef("business_id")).filter(pk=OuterRef("payment_id"))
        return (
            super()
            .get_queryset(request)
            .annotate(
                invoice_number=Subquery(invoices.values("number")),
                payment_name=Subquery(payments.values("reference")),
                account_name=Coalesce(
                    Subquery(invoices.values("account__name")), Subquery(payments.values("account__name"))
                ),
                currency=Coalesce(
                    Subquery(invoices.values("currency")), Subquery(payments.values("currency"))
                ),
            )
        )

    def get_search_results(self, request, queryset, search_term):
        """Also the events of the invoices whose number is the term, and of the payments whose reference
        is, among those the user sees (found by their indexes, not by reading every event)."""
        found, duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            site = self.admin_site
            invoices = site.get_model_admin(Invoice).get_queryset(request).filter(number__iexact=term)
            payments = site.get_model_admin(Payment).get_queryset(request).filter(reference__iexact=term)
            found = (
                found
                | queryset.filter(invoice_id__in=Subquery(invoices.values("pk")))
                | queryset.filter(payment_id__in=Subquery(payments.values("pk")))
            )
        return found, duplicates

    @admin.display(description="invoice", ordering="invoice_number")
    def invoice_shown(self, event):
        if not event.invoice_id:
            return "-"
        return admin_link(Invoice, event.invoice_id, event.invoice_number or "a deleted draft")

    @admin.display(description="payment")
    def payment_shown(self, event):
        if not event.payment_id:
            return "-"
        return admin_link(Payment, event.payment_id, event.payment_name or "payment")

    @admin.display(description="account", ordering="account_name")
    def account_shown(self, event):
        return event.account_name or "-"

    @admin.display(description="amount")
    def amount_shown(self, event):
        amount = event.amount
        return "-" if amount is None or not event.currency else money(amount, event.currency)


class LedgerAccountAdmin(AccountAdmin):
    """The account page with what it owes and holds: its open invoices and balance, its unapplied payments,
    and what happened, in words."""

    change_form_template = WITH_TIMELINE

    def change_view(self, request, object_id, form_url="", extra_context=None):
        account = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if account is not None:
            context.update(self.summary(request, account))
        return super().change_view(request, object_id, form_url, context)

    def summary(self, request, account) -> dict:
        ctx = self.staff_context(request, account.business_id)
        currency = account.currency
        invoices = list(
            Invoice.objects.for_tenant(ctx)
            .filter(account=account, status__in=Invoice.PAYABLE)
            .order_by("due_date", "number")
        )
        payments = list(
            Payment.objects.for_tenant(ctx)
            .filter(account=account, status=Payment.Status.PROCESSED)
            .alias(left=UNALLOCATED)
            .filter(left__gt=0)
            .order_by("-occurred_at")
        )
        totals = account_totals(ctx=ctx, account=account)
        # Subqueries, not lists of ids: an account of many invoices makes no long IN (...) list.
        ids = Invoice.objects.for_tenant(ctx).filter(account=account).values("pk")
        paid_with = Payment.objects.for_tenant(ctx).filter(account=account).values("pk")
        return {
            "summary": [
                ("Balance owed", money(totals["invoice_balance"], currency)),
                ("Unapplied payments", money(totals["unapplied"], currency)),
            ],
            "open_invoices": [
                (
                    admin_link(Invoice, i.pk, i.number),
                    i.due_date or "-",
                    money(i.amount, currency),
                    money(i.balance, currency),
                )
                for i in invoices
            ],
            "unapplied_payments": [
                (admin_link(Payment, p.pk, p), money(p.unallocated_amount, currency)) for p in payments
            ],
            "timeline": timeline_html(ledger_timeline(ctx=ctx, invoice_ids=ids, payment_ids=paid_with)),
        }
