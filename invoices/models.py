import uuid
from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from core.money import MONEY_FIELD, ZERO, is_settled
from outbox.models import EmailDelivery
from tenants.models import Account, Entity, TenantOwned

# Invoice.balance in SQL, for filters, sorts and sums.
BALANCE = F("amount") - F("payment_amount") + F("refund_amount")


class Invoice(TenantOwned):
    class Status(models.TextChoices):
        DRAFT = "draft"
        OPEN = "open"
        PARTIALLY_PAID = "partially_paid"
        PAID = "paid"
        VOID = "void"

    PAYABLE = (Status.OPEN, Status.PARTIALLY_PAID)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="invoices")
    number = models.CharField(max_length=64)
    description = models.TextField(blank=True)
    currency = models.CharField(max_length=3)
    # The total: the lines' sum (subtotal) plus tax and surcharge.
    amount = models.DecimalField(**MONEY_FIELD)
    subtotal_amount = models.DecimalField(**MONEY_FIELD)
    tax_amount = models.DecimalField(**MONEY_FIELD, default=Decimal(0))
    surcharge_amount = models.DecimalField(**MONEY_FIELD, default=Decimal(0))
    # Where this invoice's emails go instead of the account's address, when set.
    customer_email = models.EmailField(blank=True)
    # How the payer may pay on the invoice's link (methods, and their details): kept for the link, opaque
    # to the ledger.
    payment_options = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    invoice_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    # Counters kept under the row lock by the ledger's changes; `reconcile` recomputes them from rows.
    payment_amount = models.DecimalField(**MONEY_FIELD, default=Decimal(0))
    refund_amount = models.DecimalField(**MONEY_FIELD, default=Decimal(0))
    sent_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantOwned.Meta):
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["business", "entity", "number"], name="invoice_number_unique_per_entity"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="invoice_amount_positive"),
            models.CheckConstraint(
                condition=Q(
                    amount=F("subtotal_amount") + F("tax_amount") + F("surcharge_amount"),
                    subtotal_amount__gte=0,
                    tax_amount__gte=0,
                    surcharge_amount__gte=0,
                ),
                name="invoice_total_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(
                    payment_amount__gte=0, refund_amount__gte=0, refund_amount__lte=F("payment_amount")
                ),
                name="invoice_counters_in_range",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "open", "partially_paid", "paid", "void"]),
                name="invoice_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["business", "entity", "created_at", "id"], name="invoice_tenant_created"),
            models.Index(fields=["business", "account", "created_at"], name="invoice_account_created"),
            models.Index(fields=["business", "status", "due_date"], name="invoice_status_due"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def balance(self) -> Decimal:
        """What is still due; below zero when overpaid (seed 003: amount - payment + refund)."""
        return self.amount - self.payment_amount + self.refund_amount

    @property
    def is_payable(self) -> bool:
        return self.status in self.PAYABLE

    @property
    def email(self) -> str:
        """Where the invoice's emails (the invoice itself, its receipts) go."""
        return self.customer_email or self.account.email

    # --- in ledger events and changes (ledger.change) ---

    ledger_name = "invoice"

    def ledger_numbers(self) -> dict:
        return {
            "amount": str(self.amount),
            "payment_amount": str(self.payment_amount),
            "refund_amount": str(self.refund_amount),
            "balance": str(self.balance),
            "status": self.status,
        }

    def settle(self) -> None:
        """Status and paid_at follow the counters: paid once the balance is settled (core.money.is_settled:
        nothing left that the currency can express), partially paid while some is paid."""
        if not (self.is_payable or self.status == self.Status.PAID):
            return
        if is_settled(self.balance, self.currency):
            self.status = self.Status.PAID
            self.paid_at = self.paid_at or timezone.now()
        else:
            paid = self.payment_amount - self.refund_amount > ZERO
            self.status = self.Status.PARTIALLY_PAID if paid else self.Status.OPEN
            self.paid_at = None


class InvoiceLine(TenantOwned):
    """One line of an invoice: `quantity` x (unit price + each option's price modifier x its quantity)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines", db_index=False)
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=150)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(**MONEY_FIELD)
    product_id = models.CharField(max_length=64, blank=True)

    class Meta(TenantOwned.Meta):
        ordering = ["position"]
        indexes = [models.Index(fields=["business", "invoice", "position"], name="invoice_line_invoice")]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1, unit_price__gte=0), name="invoice_line_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.name}"


class InvoiceLineOption(TenantOwned):
    """A chosen option of a line (a size, an add-on) and what it adds to (or takes off) the line's price."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="+")
    line = models.ForeignKey(InvoiceLine, on_delete=models.PROTECT, related_name="options", db_index=False)
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=150)
    quantity = models.PositiveIntegerField()
    price_modifier = models.DecimalField(**MONEY_FIELD, default=Decimal(0))
    group = models.CharField(max_length=100, blank=True)

    class Meta(TenantOwned.Meta):
        ordering = ["position"]
        indexes = [models.Index(fields=["business", "line", "position"], name="invoice_line_option_line")]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="invoice_line_option_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class PaymentLink(TenantOwned):
    """The invoice's pay link (`/pay/<code>`): usable for what is still due until the invoice is paid in full
    or voided, the link is disabled, or it expires."""

    class Status(models.TextChoices):
        ACTIVE = "active"
        CANCELED = "canceled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payment_links")
    code = models.CharField(max_length=64)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    # Set by the change that ends the link (its invoice paid or voided), in its transaction; the outbox then
    # cancels it (invoices/links.py).
    cancel_requested_at = models.DateTimeField(null=True, blank=True)
    canceled_at = models.DateTimeField(null=True, blank=True)
    # When the outbox relay queued its cancellation (outbox/relay.py).
    queued_at = models.DateTimeField(null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    # How its page presents the invoice and what it asks of the payer (title, description, call to action,
    # address, phone...): kept for the page, opaque to the ledger.
    page = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantOwned.Meta):
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["business", "invoice"],
                condition=Q(status="active"),
                name="one_active_link_per_invoice",
            ),
            models.UniqueConstraint(fields=["business", "code"], name="payment_link_code_unique"),
            models.CheckConstraint(
                condition=Q(status__in=["active", "canceled"]), name="payment_link_status_valid"
            ),
        ]
        indexes = [
            # The public page finds a link by its code alone; 256 random bits do not collide across tenants.
            models.Index(fields=["code"], name="payment_link_code"),
            models.Index(
                fields=["created_at"],
                condition=Q(status="active", cancel_requested_at__isnull=False, queued_at__isnull=True),
                name="payment_link_cancel_to_queue",
            ),
            models.Index(
                fields=["business", "cancel_requested_at"],
                condition=Q(status="active", cancel_requested_at__isnull=False),
                name="payment_link_cancel_pending",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def has_expired(self, now) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    ledger_name = "link"

    def ledger_numbers(self) -> dict:
        return {
            "id": str(self.id),
            "status": self.status,
            "cancel_requested": self.cancel_requested_at is not None,
        }


class InvoiceNotice(TenantOwned, EmailDelivery):
    """The email that sends an invoice and its payment link to the account (canceled if the link stops
    being payable before it goes out). Written in the transaction that sends the invoice."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="notices")
    payment_link = models.ForeignKey(PaymentLink, on_delete=models.PROTECT, related_name="notices")

    class Meta(TenantOwned.Meta):
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sent", "skipped", "canceled", "failed"]),
                name="invoice_notice_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["business", "invoice"], name="invoice_notice_invoice"),
            models.Index(
                fields=["status", "updated_at"], condition=Q(status="pending"), name="invoice_notice_pending"
            ),
            models.Index(
                fields=["created_at"],
                condition=Q(status="pending", queued_at__isnull=True),
                name="invoice_notice_to_queue",
            ),
        ]

    def __str__(self) -> str:
        return f"invoice email to {self.to_email or 'nobody'} ({self.status})"
