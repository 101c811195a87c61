import uuid
from decimal import Decimal

from django.db import models
from django.db.models import F, Q

from core.errors import Conflict
from core.money import MONEY_FIELD, plain
from invoices.models import Invoice
from outbox.models import EmailDelivery
from tenants.models import Account, Entity, TenantOwned, next_in

# Payment.unallocated_amount in SQL, for filters, sorts and sums.
UNALLOCATED = F("amount") - F("allocated_amount") - F("unapplied_refund_amount")


class Payment(TenantOwned):
    """Money received: recorded on its own and applied to invoices later, or recorded as paying one invoice
    outside the platform and applied to it at once (`for_invoice`)."""

    class Status(models.TextChoices):
        DRAFT = "draft"
        PROCESSED = "processed"
        CANCELED = "canceled"  # by its payee, with nothing of it applied or refunded

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    # The invoice this money was recorded as paying (paid outside the platform), applied to it in the same
    # change; None for money recorded on its own.
    for_invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(**MONEY_FIELD)
    allocated_amount = models.DecimalField(**MONEY_FIELD, default=Decimal(0))
    # Refunded in all; of it, what was refunded straight from the unapplied money (never applied).
    refund_amount = models.DecimalField(**MONEY_FIELD, default=Decimal(0))
    unapplied_refund_amount = models.DecimalField(**MONEY_FIELD, default=Decimal(0))
    # Shown as P-00000042; unique across businesses.
    number = models.BigIntegerField(db_default=next_in("payments_payment_number_seq"), editable=False)
    occurred_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PROCESSED)
    foreign_id = models.CharField(max_length=128, blank=True)
    reference = models.CharField(max_length=255, blank=True)
    description = models.TextField(blank=True)
    counterparty = models.CharField(max_length=255, blank=True)
    payment_method_id = models.CharField(max_length=64, blank=True)
    # How the money came in (cheque, wire, cash...), when whoever recorded it said.
    method = models.CharField(max_length=40, blank=True)
    created_by = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantOwned.Meta):
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(
                    allocated_amount__gte=0,
                    unapplied_refund_amount__gte=0,
                    allocated_amount__lte=F("amount") - F("unapplied_refund_amount"),
                ),
                name="payment_allocated_in_range",
            ),
            models.CheckConstraint(
                # What was refunded of applied money stays within what was applied.
                condition=Q(
                    refund_amount__gte=F("unapplied_refund_amount"),
                    refund_amount__lte=F("allocated_amount") + F("unapplied_refund_amount"),
                ),
                name="payment_refund_in_range",
            ),
        ]
        indexes = [
            models.Index(fields=["business", "entity", "created_at", "id"], name="payment_tenant_created"),
            models.Index(fields=["business", "occurred_at"], name="payment_occurred"),
        ]

    def __str__(self) -> str:
        """How staff recognise it: its name, who paid, how much and when."""
        amount = f"{plain(self.amount, self.currency)} {self.currency} on {self.occurred_at:%Y-%m-%d}"
        return " · ".join(part for part in (self.name, self.counterparty, amount) if part)

    @property
    def name(self) -> str:
        """Its reference, else its description, foreign id or number. The number only as loaded: naming a
        payment never queries (a new one's number is read when first read, tenants.statements.write)."""
        number = self.__dict__.get("number")
        named = f"Payment {number}" if isinstance(number, int) else "Payment"
        return self.reference or self.description[:40] or self.foreign_id or named

    @property
    def unallocated_amount(self) -> Decimal:
        """What can still be applied: neither applied nor refunded."""
        return self.amount - self.allocated_amount - self.unapplied_refund_amount

    def check_processed(self) -> None:
        """Only a processed payment's money can be applied or refunded (a draft is not money yet)."""
        if self.status != self.Status.PROCESSED:
            raise Conflict(
                f"the payment is {self.status}, not processed", field="payment_id", code="payment_state"
            )

    ledger_name = "payment"

    def ledger_numbers(self) -> dict:
        return {
            "amount": str(self.amount),
            "allocated_amount": str(self.allocated_amount),
            "refund_amount": str(self.refund_amount),
            "unapplied_refund_amount": str(self.unapplied_refund_amount),
            "status": self.status,
        }


class InvoicePayment(TenantOwned):
    """An application of a payment to an invoice: how much of the payment went to it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="applications")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="applications")
    amount = models.DecimalField(**MONEY_FIELD)
    refund_amount = models.DecimalField(**MONEY_FIELD, default=Decimal(0))
    paid_on = models.DateTimeField()
    created_by = models.CharField(max_length=200)
    updated_by = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantOwned.Meta):
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="application_amount_positive"),
            models.CheckConstraint(
                condition=Q(refund_amount__gte=0, refund_amount__lte=F("amount")),
                name="application_refund_in_range",
            ),
        ]
        indexes = [
            models.Index(
                fields=["business", "invoice", "created_at", "id"], name="application_invoice_created"
            ),
            models.Index(fields=["business", "payment"], name="application_payment"),
        ]

    def __str__(self) -> str:
        return f"Invoice payment of {plain(self.amount)}"

    @property
    def net_amount(self) -> Decimal:
        return self.amount - self.refund_amount

    ledger_name = "invoice_payment"

    def ledger_numbers(self) -> dict:
        return {"amount": str(self.amount), "refund_amount": str(self.refund_amount)}


class Refund(TenantOwned):
    """Money given back: from applications of a payment to invoices (its lines), or from what the payment
    left unapplied (no lines), or both."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="+")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    # Shown as R-00000042; unique across businesses.
    number = models.BigIntegerField(db_default=next_in("payments_refund_number_seq"), editable=False)
    amount = models.DecimalField(**MONEY_FIELD)
    refund_date = models.DateField()
    comment = models.TextField(blank=True)
    # How the money went back (Check, ACH, ...) and the client's reference for it, when it says.
    method = models.CharField(max_length=40, blank=True)
    reference = models.CharField(max_length=100, blank=True)
    created_by = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantOwned.Meta):
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")]
        indexes = [models.Index(fields=["business", "payment"], name="refund_payment")]

    def __str__(self) -> str:
        return f"Refund of {plain(self.amount)}"

    ledger_name = "refund"


class RefundLine(TenantOwned):
    """The part of a refund taken from one application."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="+")
    refund = models.ForeignKey(Refund, on_delete=models.PROTECT, related_name="lines")
    invoice_payment = models.ForeignKey(InvoicePayment, on_delete=models.PROTECT, related_name="refund_lines")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="refund_lines")
    amount = models.DecimalField(**MONEY_FIELD)

    class Meta(TenantOwned.Meta):
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_line_amount_positive")]
        indexes = [
            models.Index(fields=["business", "invoice_payment"], name="refund_line_application"),
            models.Index(fields=["business", "invoice"], name="refund_line_invoice"),
        ]


class Receipt(TenantOwned, EmailDelivery):
    """The receipt of one application (canceled if the application is removed before it goes out), or the
    correction of one that went out: the money it acknowledged was unapplied or refunded since."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt"
        UNAPPLIED = "unapplied", "correction: unapplied"
        REFUNDED = "refunded", "correction: refunded"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="receipts")
    invoice_payment = models.OneToOneField(
        InvoicePayment, on_delete=models.SET_NULL, null=True, blank=True, related_name="receipt"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.RECEIPT)
    # The receipt a correction corrects.
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections", db_index=False
    )
    # What was paid (a correction: what was taken back), kept here so the receipt still reads right if the
    # application changes later.
    amount = models.DecimalField(**MONEY_FIELD)
    currency = models.CharField(max_length=3)
    paid_on = models.DateTimeField()
    balance_after = models.DecimalField(**MONEY_FIELD)

    class Meta(TenantOwned.Meta):
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["business", "invoice"], name="receipt_invoice"),
            models.Index(
                fields=["created_at"],
                condition=Q(status="pending", queued_at__isnull=True),
                name="receipt_to_queue",
            ),
            models.Index(
                fields=["status", "updated_at"], condition=Q(status="pending"), name="receipt_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"receipt to {self.to_email or 'nobody'} ({self.status})"
