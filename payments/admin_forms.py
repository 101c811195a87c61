"""The back office's forms for moving money: each collects the input of one service call."""

from django import forms
from django.db.models import F

from core.money import MAX_DIGITS, PLACES, plain
from invoices.models import Invoice
from payments.models import Payment
from payments.services import RefundPart, payment_apply, refund_create
from tenants.admin import ActionForm, money


def payment_label(payment: Payment) -> str:
    """How staff recognise a payment: its reference (or foreign id), amount and date."""
    name = payment.reference or payment.foreign_id or "Payment"
    return f"{name} · {money(payment.amount, payment.currency)} on {payment.occurred_at:%Y-%m-%d}"


class ApplyForm(ActionForm):
    """Applies one payment to one invoice. The action fixes one of the two, the form picks the other, and
    the amount among the payment's unallocated amount, the invoice's open balance or another one. The
    service judges it: an amount over either is refused with its message. Subclasses say which of the
    two is fixed (`invoice_and_payment`)."""

    UNALLOCATED, BALANCE, OTHER = "unallocated", "balance", "other"
    submit_label = "Apply"
    field_order = ("invoice", "payment", "amount_from", "other_amount")

    amount_from = forms.ChoiceField(label="Amount to apply", widget=forms.RadioSelect)
    other_amount = forms.DecimalField(
        label="Other amount", required=False, max_digits=MAX_DIGITS, decimal_places=PLACES
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("amount_from") == self.OTHER and cleaned.get("other_amount") is None:
            self.add_error("other_amount", "Enter the amount to apply.")
        return cleaned

    def submit(self) -> str:
        invoice, payment = self.invoice_and_payment()
        amount = {
            self.UNALLOCATED: payment.unallocated_amount,
            self.BALANCE: invoice.balance,
            self.OTHER: self.cleaned_data["other_amount"],
        }[self.cleaned_data["amount_from"]]
        payment_apply(ctx=self.ctx, invoice_id=invoice.pk, payment_id=payment.pk, amount=amount)
        return (
            f"Applied {money(amount, invoice.currency)} of payment {payment_label(payment)} "
            f"to invoice {invoice.number}."
        )


class ApplyPaymentForm(ApplyForm):
    """From an invoice: one of the payments that could pay it (same entity and currency, money left)."""

    title = "Apply a payment to this invoice"
    payment = forms.ModelChoiceField(queryset=Payment.objects.none())

    def __init__(self, data, *, ctx, obj):
        super().__init__(data, ctx=ctx, obj=obj)
        invoice = obj
        self.intro = (
            f"Invoice {invoice.number} of {invoice.account}: {money(invoice.amount, invoice.currency)}, "
            f"open balance {money(invoice.balance, invoice.currency)}."
        )
        choice = self.fields["payment"]
        choice.queryset = (
            Payment.objects.for_tenant(ctx)
            .filter(
                entity_id=invoice.entity_id,
                currency=invoice.currency,
                status=Payment.Status.PROCESSED,
                allocated_amount__lt=F("amount"),
            )
            .order_by("-occurred_at", "id")
        )
        choice.label_from_instance = lambda p: (
            f"{payment_label(p)} · {money(p.unallocated_amount, p.currency)} unallocated"
        )
        self.fields["amount_from"].choices = [
            (self.BALANCE, f"The invoice's open balance: {money(invoice.balance, invoice.currency)}"),
            (self.UNALLOCATED, "The payment's unallocated amount (shown with each payment)"),
            (self.OTHER, "Another amount"),
        ]
        self.fields["amount_from"].initial = self.BALANCE

    def invoice_and_payment(self) -> tuple[Invoice, Payment]:
        return self.obj, self.cleaned_data["payment"]


class ApplyToInvoiceForm(ApplyForm):
    """From a payment: one of the invoices it could pay (same entity and currency, open)."""

    title = "Apply this payment to an invoice"
    invoice = forms.ModelChoiceField(queryset=Invoice.objects.none())

    def __init__(self, data, *, ctx, obj):
        super().__init__(data, ctx=ctx, obj=obj)
        payment = obj
        self.intro = (
            f"Payment {payment_label(payment)}: "
            f"{money(payment.unallocated_amount, payment.currency)} unallocated."
        )
        choice = self.fields["invoice"]
        choice.queryset = (
            Invoice.objects.for_tenant(ctx)
            .filter(entity_id=payment.entity_id, currency=payment.currency, status__in=Invoice.PAYABLE)
            .select_related("account")
            .order_by("due_date", "number")
        )
        choice.label_from_instance = lambda i: (
            f"{i.number} · {i.account} · {money(i.balance, i.currency)} open balance"
        )
        self.fields["amount_from"].choices = [
            (
                self.UNALLOCATED,
                f"The payment's unallocated amount: {money(payment.unallocated_amount, payment.currency)}",
            ),
            (self.BALANCE, "The invoice's open balance (shown with each invoice)"),
            (self.OTHER, "Another amount"),
        ]
        self.fields["amount_from"].initial = self.UNALLOCATED

    def invoice_and_payment(self) -> tuple[Invoice, Payment]:
        return self.cleaned_data["invoice"], self.obj


class RefundForm(ActionForm):
    """Refunds some or all of what one invoice payment put on its invoice."""

    title = "Refund this invoice payment"
    submit_label = "Refund"

    amount = forms.DecimalField(max_digits=MAX_DIGITS, decimal_places=PLACES)
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, data, *, ctx, obj):
        super().__init__(data, ctx=ctx, obj=obj)
        currency = obj.invoice.currency
        self.intro = (
            f"{money(obj.amount, currency)} of payment {payment_label(obj.payment)} on invoice "
            f"{obj.invoice.number}; {money(obj.net_amount, currency)} of it is not refunded."
        )
        self.fields["amount"].initial = plain(obj.net_amount, currency)

    def submit(self) -> str:
        application, amount = self.obj, self.cleaned_data["amount"]
        refund_create(
            ctx=self.ctx,
            payment_id=application.payment_id,
            amount=amount,
            parts=[RefundPart(application.invoice_id, amount)],
            comment=self.cleaned_data["comment"],
        )
        return (
            f"Refunded {money(amount, application.invoice.currency)} of invoice {application.invoice.number}."
        )
