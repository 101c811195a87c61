"""Back office for invoices and their payment links. The ledger's side of an invoice page (its payments,
refunds and receipts, its timeline, and applying a payment) is added by payments/admin.py, which knows
the money.

Every row is read-only: invoices are created, edited (drafts), sent and voided only through the pages and
actions below, each service call made as the staff user (TenantScopedAdmin.staff_context), so the ledger
events it writes name them.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from core.money import plain
from invoices.admin_forms import InvoiceForm, LineFormSet, VoidForm
from invoices.links import link_url
from invoices.models import BALANCE, Invoice, InvoiceLine, PaymentLink
from invoices.selectors import due_soon, past_due
from invoices.services import invoice_send, payment_link_cancel
from tenants.admin import BY_BUSINESS, EVERYWHERE, ReadOnlyAdmin, ReadOnlyInline
from tenants.admin_lists import money
from tenants.models import Account


def ledger_events_link(field: str, value) -> str:
    """The ledger events of one invoice or payment (events keep plain ids, so a filtered list)."""
    url = f"{reverse('admin:ledger_ledgerevent_changelist')}?{field}={value}"
    return format_html('<a href="{}">Its ledger events</a>', url)


class InvoiceLineInline(ReadOnlyInline):
    model = InvoiceLine
    show_change_link = False
    fields = readonly_fields = ("name", "quantity", "unit_price_shown", "options_shown", "product_id")
    select_related = ("invoice",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("options")

    @admin.display(description="unit price")
    def unit_price_shown(self, line):
        return money(line.unit_price, line.invoice.currency)

    @admin.display(description="options")
    def options_shown(self, line):
        currency = line.invoice.currency
        return ", ".join(
            f"{option.quantity} x {option.name}"
            + (f" ({money(option.price_modifier, currency)})" if option.price_modifier else "")
            for option in line.options.all()
        )


class InvoicePaymentLinkInline(ReadOnlyInline):
    model = PaymentLink
    fields = readonly_fields = (
        "url",
        "status",
        "cancel_requested_at",
        "canceled_at",
        "created_at",
    )

    @admin.display(description="URL")
    def url(self, link):
        return link_url(link)


class DueFilter(admin.SimpleListFilter):
    """Payable invoices past their due date, or due within the next days."""

    title = "due"
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("overdue", "Overdue"), ("soon", "Due soon (7 days)")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        wanted = {"overdue": past_due(today), "soon": due_soon(today)}.get(self.value())
        if wanted is None:
            return queryset
        return queryset.filter(wanted, status__in=Invoice.PAYABLE)


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = (
        "number",
        "account",
        "business",
        "status",
        "amount_shown",
        "balance_shown",
        "invoice_date",
        "due_date",
    )
    list_select_related = ("account", "business")
    list_filter = (
        BY_BUSINESS,
        DueFilter,
        "status",
        ("account", admin.RelatedOnlyFieldListFilter),
        "currency",
        "due_date",
    )
    ordering = ("-created_at", "-id")
    date_hierarchy = "invoice_date"
    totals = (("Amount", "amount"), ("Balance", BALANCE))
    search_fields = (
        "number",
        "account__name",
        "account__email",
        "customer_email",
        "amount__exact",
        "id__exact",
    )
    search_help_text = "Invoice number, customer name or email, amount or id"
    fieldsets = (
        (None, {"fields": ("number", "status", "business", "entity", "account", "description", "id")}),
        ("Balance", {"fields": ("amount_shown", "balance_arithmetic", "ledger_events")}),
        (
            "Dates",
            {"fields": ("invoice_date", "due_date", "sent_at", "paid_at", "voided_at", "created_at")},
        ),
    )
    readonly_fields = ("amount_shown", "balance_arithmetic", "ledger_events")
    inlines = (InvoiceLineInline, InvoicePaymentLinkInline)
    actions = ("send", "void")

    def page_urls(self, name):
        return [
            path("new/", self.admin_site.admin_view(self.new_view), name=f"{name}_new"),
            path("<path:object_id>/edit/", self.admin_site.admin_view(self.edit_view), name=f"{name}_edit"),
        ]

    def list_tools(self, request):
        if not self.has_operate_permission(request):
            return []
        return [(reverse("admin:invoices_invoice_new"), "Create an invoice")]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        invoice = self.get_object(request, object_id)
        tools = []
        if (
            invoice is not None
            and invoice.status == Invoice.Status.DRAFT
            and self.has_operate_permission(request)
        ):
            tools.append((reverse("admin:invoices_invoice_edit", args=[invoice.pk]), "Edit this draft"))
        return super().change_view(
            request, object_id, form_url, {"object_tools": tools, **(extra_context or {})}
        )

    def accounts(self, request):
        return self.admin_site.get_model_admin(Account).get_queryset(request)

    def new_view(self, request):
        if not self.has_operate_permission(request):
            raise PermissionDenied
        lines = LineFormSet(request.POST or None)
        form = InvoiceForm(request.POST or None, accounts=self.accounts(request), lines=lines)
        form.submit_label = "Create"
        return self.form_page(request, form, formset=lines, title="Create an invoice")

    def edit_view(self, request, object_id):
        invoice = self.get_object(request, object_id)
        if invoice is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_operate_permission(request):
            raise PermissionDenied
        change_url = reverse("admin:invoices_invoice_change", args=[invoice.pk])
        stored = list(invoice.lines.prefetch_related("options"))
        refusal = (
            f"Invoice {invoice.number} is {invoice.status}: only a draft is edited here."
            if invoice.status != Invoice.Status.DRAFT
            else "This draft's lines have options: edit it through the API."
            if any(line.options.all() for line in stored)
            else None
        )
        if refusal:
            self.message_user(request, refusal, messages.WARNING)
            return HttpResponseRedirect(change_url)
        initial = [
            {
                "name": line.name,
                "quantity": line.quantity,
                "unit_price": plain(line.unit_price, invoice.currency),
            }
            for line in stored
        ]
        lines = LineFormSet(request.POST or None, initial=initial)
        form = InvoiceForm(
            request.POST or None, accounts=self.accounts(request), lines=lines, invoice=invoice
        )
        return self.form_page(request, form, formset=lines, obj=invoice, title=f"Edit draft {invoice.number}")

    @admin.display(description="amount", ordering="amount")
    def amount_shown(self, invoice):
        return money(invoice.amount, invoice.currency)

    @admin.display(description="balance", ordering=BALANCE)
    def balance_shown(self, invoice):
        return money(invoice.balance, invoice.currency)

    @admin.display(description="balance")
    def balance_arithmetic(self, invoice):
        currency = invoice.currency
        return (
            f"{money(invoice.amount, currency)} - {money(invoice.payment_amount, currency)} paid "
            f"+ {money(invoice.refund_amount, currency)} refunded = {money(invoice.balance, currency)}"
        )

    @admin.display(description="ledger")
    def ledger_events(self, invoice):
        return ledger_events_link("invoice_id", invoice.pk)

    @admin.action(
        description="Send this invoice: email its payment link",
        description_plural="Send the selected invoices: email their payment links",
        permissions=["operate"],
        location=EVERYWHERE,
    )
    def send(self, request, queryset):
        self.run_service(
            request, queryset, lambda ctx, invoice: invoice_send(ctx=ctx, invoice_id=invoice.pk), done="Sent"
        )

    @admin.action(description="Void this invoice (asks why)", permissions=["operate"], location=EVERYWHERE)
    def void(self, request, queryset):
        return self.form_action(request, queryset.select_related("account"), VoidForm, action="void")


@admin.register(PaymentLink)
class PaymentLinkAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "invoice",
        "status",
        "cancel_requested_at",
        "canceled_at",
        "business",
    )
    list_select_related = ("invoice", "business")
    list_filter = (BY_BUSINESS, "status", "created_at")
    search_fields = ("invoice__number", "invoice__account__name")
    search_help_text = "Invoice number or account name"
    fields = (
        "invoice",
        "status",
        "url",
        "business",
        "entity",
        "cancel_requested_at",
        "canceled_at",
        "created_at",
        "updated_at",
    )
    readonly_fields = ("url",)
    actions = ("cancel",)

    def describe(self, link):
        return f"The link of invoice {link.invoice}"

    @admin.display(description="URL")
    def url(self, link):
        return link_url(link)

    @admin.action(
        description="Cancel this payment link",
        description_plural="Cancel the selected payment links",
        permissions=["operate"],
        location=EVERYWHERE,
    )
    def cancel(self, request, queryset):
        self.run_service(
            request,
            queryset,
            lambda ctx, link: payment_link_cancel(ctx=ctx, link_id=link.pk),
            done="Cancellation requested",
        )
