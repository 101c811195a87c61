"""Back office: the ledger's events, read-only (a database trigger refuses any change to them)."""

import json

from django.contrib import admin
from django.utils.html import format_html

from ledger.models import LedgerEvent
from tenants.admin import BY_BUSINESS, ReadOnlyAdmin, admin_link


@admin.register(LedgerEvent)
class LedgerEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "kind", "actor", "invoice_shown", "payment_shown", "business")
    list_select_related = ("business",)
    list_filter = (BY_BUSINESS, "kind", "created_at")
    search_fields = ("actor", "request_id", "invoice_id__exact", "payment_id__exact")
    search_help_text = "Actor, request id, invoice id or payment id"
    fields = (
        "kind",
        "actor",
        "created_at",
        "request_id",
        "business",
        "entity",
        "invoice_shown",
        "payment_shown",
        "invoice_payment_id",
        "refund_id",
        "before_shown",
        "after_shown",
    )
    readonly_fields = ("invoice_shown", "payment_shown", "before_shown", "after_shown")

    @admin.display(description="invoice")
    def invoice_shown(self, event):
        return admin_link("invoices.Invoice", event.invoice_id, event.invoice_id) if event.invoice_id else "-"

    @admin.display(description="payment")
    def payment_shown(self, event):
        return admin_link("payments.Payment", event.payment_id, event.payment_id) if event.payment_id else "-"

    @admin.display(description="before")
    def before_shown(self, event):
        return format_html("<pre>{}</pre>", json.dumps(event.before, indent=2, sort_keys=True))

    @admin.display(description="after")
    def after_shown(self, event):
        return format_html("<pre>{}</pre>", json.dumps(event.after, indent=2, sort_keys=True))
