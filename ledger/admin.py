"""Back office: the ledger's events, read-only (a database trigger refuses any change to them), newest
first. payments/admin.py adds what an event is about (its invoice's number, the account, the amount),
which this layer cannot read."""

from decimal import Decimal, InvalidOperation

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from core.money import plain
from ledger.models import LedgerEvent
from tenants.admin import BY_BUSINESS, ReadOnlyAdmin, admin_link


def number_shown(value, currency: str) -> str:
    """A number of an event as money is shown (100.00, not "100.000000000"); a status as it is."""
    if value is None:
        return "-"
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    return plain(amount, currency) if currency else f"{amount.normalize():f}"


@admin.register(LedgerEvent)
class LedgerEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "actor", "invoice_shown", "payment_shown", "business")
    list_select_related = ("business",)
    list_filter = (BY_BUSINESS, "kind")
    ordering = ("-id",)
    date_hierarchy = "created_at"
    search_fields = ("actor", "reason", "request_id", "invoice_id__exact", "payment_id__exact")
    search_help_text = "Actor, reason, request id, invoice id or payment id"
    fields = (
        "kind",
        "actor",
        "reason",
        "created_at",
        "request_id",
        "business",
        "entity",
        "invoice_shown",
        "payment_shown",
        "invoice_payment_id",
        "refund_id",
        "numbers_shown",
    )
    readonly_fields = ("invoice_shown", "payment_shown", "numbers_shown")

    @admin.display(description="invoice")
    def invoice_shown(self, event):
        return admin_link("invoices.Invoice", event.invoice_id, event.invoice_id) if event.invoice_id else "-"

    @admin.display(description="payment")
    def payment_shown(self, event):
        return admin_link("payments.Payment", event.payment_id, event.payment_id) if event.payment_id else "-"

    @admin.display(description="numbers before and after")
    def numbers_shown(self, event):
        currency = getattr(event, "currency", None) or ""
        rows = []
        for row in dict.fromkeys([*event.before, *event.after]):
            before, after = event.before.get(row, {}), event.after.get(row, {})
            for key in dict.fromkeys([*before, *after]):
                if key == "id":
                    continue
                was, now = before.get(key), after.get(key)
                rows.append(
                    (
                        row.replace("_", " "),
                        key.replace("_", " "),
                        number_shown(was, currency),
                        number_shown(now, currency),
                        "changed" if row in event.before and was != now else "",
                    )
                )
        body = format_html_join(
            "",
            '<tr class="{4}"><td>{0}</td><td>{1}</td><td class="money">{2}</td><td class="money">{3}</td></tr>',
            rows,
        )
        return format_html(
            '<table class="numbers"><thead><tr><th>row</th><th>number</th><th class="money">before</th>'
            '<th class="money">after</th></tr></thead><tbody>{}</tbody></table>',
            body,
        )
