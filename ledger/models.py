from decimal import Decimal

from django.db import models

from tenants.models import Entity, TenantOwned


class LedgerEvent(TenantOwned):
    """Append-only record of every ledger change, with the numbers before and after it. A database trigger
    refuses UPDATE and DELETE."""

    class Kind(models.TextChoices):
        PAYMENT_RECORDED = "payment_recorded"
        PAYMENT_CANCELED = "payment_canceled"
        APPLIED = "applied"
        AMOUNT_CHANGED = "amount_changed"
        UNAPPLIED = "unapplied"
        REFUNDED = "refunded"
        INVOICE_FINALIZED = "invoice_finalized"
        INVOICE_UPDATED = "invoice_updated"
        INVOICE_SENT = "invoice_sent"
        INVOICE_VOIDED = "invoice_voided"
        INVOICE_DELETED = "invoice_deleted"
        LINK_CANCEL_REQUESTED = "link_cancel_requested"

    id = models.BigAutoField(primary_key=True)
    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    actor = models.CharField(max_length=200)
    # Plain ids, not foreign keys: an event outlives an application that was removed.
    invoice_id = models.UUIDField(null=True, blank=True)
    payment_id = models.UUIDField(null=True, blank=True)
    invoice_payment_id = models.UUIDField(null=True, blank=True)
    refund_id = models.UUIDField(null=True, blank=True)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    # Why staff did it (an unapply, a refund, a void), as they gave it.
    reason = models.TextField(blank=True, default="")
    request_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantOwned.Meta):
        ordering = ["id"]
        indexes = [
            models.Index(fields=["business", "invoice_id", "id"], name="event_invoice"),
            models.Index(fields=["business", "payment_id", "id"], name="event_payment"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.actor} on {self.created_at:%Y-%m-%d %H:%M}"

    def _number(self, side: dict, row: str, key: str = "amount") -> Decimal | None:
        value = side.get(row, {}).get(key)
        return None if value is None else Decimal(value)

    @property
    def amount(self) -> Decimal | None:
        """The money the event is about, read from its numbers: what was applied, unapplied, refunded or
        recorded, by how much an application changed, an invoice's total; None for a payment link."""
        before, after, kind = self.before, self.after, self.kind
        if kind == self.Kind.APPLIED:
            return self._number(after, "invoice_payment")
        if kind == self.Kind.UNAPPLIED:
            return self._number(before, "invoice_payment")
        if kind == self.Kind.AMOUNT_CHANGED:
            return self._number(after, "invoice_payment") - self._number(before, "invoice_payment")
        if kind == self.Kind.REFUNDED:
            row = "invoice" if "invoice" in after else "payment"
            return self._number(after, row, "refund_amount") - self._number(before, row, "refund_amount")
        if kind in (self.Kind.PAYMENT_RECORDED, self.Kind.PAYMENT_CANCELED):
            return self._number(after, "payment")
        if kind == self.Kind.LINK_CANCEL_REQUESTED:
            return None
        return self._number(after, "invoice") if "invoice" in after else self._number(before, "invoice")
