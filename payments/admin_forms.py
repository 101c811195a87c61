"""The back office's forms for moving money: each collects the input of one service call."""

from datetime import datetime, time

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminDateWidget, AutocompleteSelect
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from core.money import MAX_DIGITS, PLACES, plain
from invoices.models import Invoice
from payments.models import Payment
from payments.services import Part, RefundPart, payment_apply, payment_record, payment_unapply, refund_create
from tenants.admin import ActionForm
from tenants.admin_lists import money
from tenants.models import Account


class RecordPaymentForm(forms.Form):
    """Money received outside the platform (a cheque, a wire, cash), recorded on an account and, in the
    same change, applied to one of its invoices if the clerk names one."""

    METHODS = [("wire", "Wire"), ("cheque", "Cheque"), ("cash", "Cash"), ("card", "Card"), ("other", "Other")]
    submit_label = "Record"

    account = forms.ModelChoiceField(
        queryset=Account.objects.none(),
        widget=AutocompleteSelect(Payment._meta.get_field("account"), admin.site),
        help_text="The payment is in the account's currency.",
    )
    method = forms.ChoiceField(choices=METHODS, widget=forms.RadioSelect, initial="wire")
    amount = forms.DecimalField(max_digits=MAX_DIGITS, decimal_places=PLACES)
    received_on = forms.DateField(label="Received on", widget=AdminDateWidget)
    reference = forms.CharField(
        max_length=255, required=False, help_text="The cheque number or the wire's reference."
    )
    counterparty = forms.CharField(max_length=255, required=False, help_text="Who paid: a name or a bank.")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    invoice = forms.ModelChoiceField(
        label="Apply to invoice",
        queryset=Invoice.objects.none(),
        required=False,
        widget=AutocompleteSelect(Payment._meta.get_field("for_invoice"), admin.site),
        help_text="Optional: apply it now, or later from the payment's page.",
    )
    apply_amount = forms.DecimalField(
        label="Amount to apply",
        max_digits=MAX_DIGITS,
        decimal_places=PLACES,
        required=False,
        help_text="Left empty: as much as the invoice's open balance takes.",
    )

    def __init__(self, data, *, accounts, invoices):
        super().__init__(data, initial={"received_on": timezone.localdate()})
        self.fields["account"].queryset = accounts
        self.fields["invoice"].queryset = invoices

    def clean(self):
        cleaned = super().clean()
        account, invoice = cleaned.get("account"), cleaned.get("invoice")
        if account is not None and invoice is not None and invoice.account_id != account.pk:
            self.add_error("invoice", f"Invoice {invoice.number} is not one of {account}'s.")
        return cleaned

    def submit(self, context_for) -> tuple[str, str]:
        data = self.cleaned_data
        account, invoice = data["account"], data["invoice"]
        received_on = data["received_on"]
        occurred_at = (
            timezone.now()
            if received_on == timezone.localdate()
            else timezone.make_aware(datetime.combine(received_on, time.min))
        )
        parts = []
        if invoice is not None:
            applied = data["apply_amount"] or min(data["amount"], invoice.balance)
            parts = [Part(invoice.pk, applied)]
        payment = payment_record(
            ctx=context_for(account.business_id),
            amount=data["amount"],
            occurred_at=occurred_at,
            account_id=account.pk,
            parts=parts,
            method=data["method"],
            reference=data["reference"],
            counterparty=data["counterparty"],
            description=data["description"],
        )
        done = f"Recorded payment {payment}."
        if parts:
            done += f" Applied {money(parts[0].amount, payment.currency)} to invoice {invoice.number}."
        return done, reverse("admin:payments_payment_change", args=[payment.pk])


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
        return f"Applied {money(amount, invoice.currency)} of payment {payment} to invoice {invoice.number}."


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
        choice.label_from_instance = lambda p: f"{p} · {money(p.unallocated_amount, p.currency)} unallocated"
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
        self.intro = f"Payment {payment}: {money(payment.unallocated_amount, payment.currency)} unallocated."
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


REASON_HELP = "Kept in the ledger event."


class UnapplyForm(ActionForm):
    """Takes one invoice payment off its invoice, for a reason the ledger event keeps."""

    title = "Unapply this invoice payment"
    submit_label = "Unapply"

    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), help_text=REASON_HELP)

    def __init__(self, data, *, ctx, obj):
        super().__init__(data, ctx=ctx, obj=obj)
        self.intro = (
            f"{money(obj.amount, obj.invoice.currency)} of payment {obj.payment} comes off invoice "
            f"{obj.invoice.number}: the invoice owes it again and the payment holds it unapplied. "
            "If its receipt went out, a correction is emailed."
        )

    def submit(self) -> str:
        application = self.obj
        payment_unapply(ctx=self.ctx, invoice_payment_id=application.pk, reason=self.cleaned_data["reason"])
        return (
            f"Unapplied {money(application.amount, application.invoice.currency)} of payment "
            f"{application.payment} from invoice {application.invoice.number}."
        )


class RefundForm(ActionForm):
    """Refunds some or all of what one invoice payment put on its invoice."""

    title = "Refund this invoice payment"
    submit_label = "Refund"

    amount = forms.DecimalField(max_digits=MAX_DIGITS, decimal_places=PLACES)
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), help_text=f"{REASON_HELP} Also the refund's comment."
    )

    def __init__(self, data, *, ctx, obj):
        super().__init__(data, ctx=ctx, obj=obj)
        currency = obj.invoice.currency
        self.intro = (
            f"{money(obj.amount, currency)} of payment {obj.payment} on invoice "
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
            comment=self.cleaned_data["reason"],
            reason=self.cleaned_data["reason"],
        )
        return (
            f"Refunded {money(amount, application.invoice.currency)} of invoice {application.invoice.number}."
        )
