"""The back office's forms for invoices: create one with its lines, edit a draft, void one. Each collects
the input of service calls and makes them as the staff user."""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminDateWidget, AutocompleteSelect
from django.db import transaction
from django.urls import reverse

from core.errors import Invalid
from core.money import MAX_DIGITS, PLACES
from invoices.lines import MAX_LINES, Line
from invoices.models import Invoice
from invoices.services import invoice_create, invoice_finalize, invoice_send, invoice_update, invoice_void
from tenants.admin import ActionForm
from tenants.admin_lists import money
from tenants.models import Account


class LineForm(forms.Form):
    """One line: left empty, it is left out."""

    name = forms.CharField(max_length=150, required=False)
    quantity = forms.IntegerField(min_value=1, initial=1, required=False)
    unit_price = forms.DecimalField(
        label="Unit price", max_digits=MAX_DIGITS, decimal_places=PLACES, min_value=0, required=False
    )

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("name") or cleaned.get("unit_price") is not None) and not self.errors:
            for name in ("name", "unit_price"):
                if cleaned.get(name) in (None, ""):
                    self.add_error(name, "Enter the line's name and unit price.")
        return cleaned

    def line(self) -> Line | None:
        data = self.cleaned_data
        if not data.get("name"):
            return None
        return Line(name=data["name"], quantity=data.get("quantity") or 1, unit_price=data["unit_price"])


LineFormSet = forms.formset_factory(LineForm, extra=3, max_num=MAX_LINES, validate_max=True)


class InvoiceForm(forms.Form):
    """A new invoice of an account, or a draft's details and lines; then kept as a draft, opened, or opened
    and sent (its payment link emailed) in the same step."""

    DRAFT, OPEN, SEND = "draft", "open", "send"
    submit_label = "Save"

    account = forms.ModelChoiceField(
        queryset=Account.objects.none(),
        widget=AutocompleteSelect(Invoice._meta.get_field("account"), admin.site),
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    invoice_date = forms.DateField(required=False, widget=AdminDateWidget, help_text="Today if left empty.")
    due_date = forms.DateField(required=False, widget=AdminDateWidget)
    then = forms.ChoiceField(
        label="Then",
        widget=forms.RadioSelect,
        choices=[
            (DRAFT, "Keep it as a draft"),
            (OPEN, "Open it (payable, not emailed)"),
            (SEND, "Open it and send it: email its payment link"),
        ],
        initial=DRAFT,
    )

    def __init__(self, data, *, accounts, lines: LineFormSet, invoice: Invoice | None = None):
        initial = {}
        if invoice is not None:
            initial = {
                "account": invoice.account_id,
                "description": invoice.description,
                "invoice_date": invoice.invoice_date,
                "due_date": invoice.due_date,
            }
        super().__init__(data, initial=initial)
        self.lines, self.invoice = lines, invoice
        self.fields["account"].queryset = accounts
        if invoice is not None:
            self.fields["account"].disabled = True

    def chosen_lines(self) -> list[Line]:
        lines = [line for form in self.lines if (line := form.line())]
        if not lines:
            raise Invalid("an invoice needs at least one line", field="lines")
        return lines

    def submit(self, context_for) -> tuple[str, str]:
        data, then = self.cleaned_data, self.cleaned_data["then"]
        account = self.invoice.account if self.invoice else data["account"]
        ctx = context_for(account.business_id)
        details = {"description": data["description"], "due_date": data["due_date"]}
        if data["invoice_date"] or self.invoice is None:
            details["invoice_date"] = data["invoice_date"]
        # Created (or changed) and opened or sent in one transaction: all of it or none.
        with transaction.atomic():
            if self.invoice is None:
                invoice = invoice_create(
                    ctx=ctx,
                    account_id=account.pk,
                    lines=self.chosen_lines(),
                    status=Invoice.Status.DRAFT if then == self.DRAFT else Invoice.Status.OPEN,
                    **details,
                )
            else:
                invoice = invoice_update(
                    ctx=ctx, invoice_id=self.invoice.pk, lines=self.chosen_lines(), **details
                )
                if then == self.OPEN:
                    invoice = invoice_finalize(ctx=ctx, invoice_id=invoice.pk)
            if then == self.SEND:
                invoice, _ = invoice_send(ctx=ctx, invoice_id=invoice.pk)
        verb = {self.DRAFT: "saved as a draft", self.OPEN: "opened", self.SEND: "sent"}[then]
        done = f"Invoice {invoice.number} of {money(invoice.amount, invoice.currency)} {verb}."
        return done, reverse("admin:invoices_invoice_change", args=[invoice.pk])


class VoidForm(ActionForm):
    """Voids one invoice, for a reason the ledger event keeps."""

    title = "Void this invoice"
    submit_label = "Void"

    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), help_text="Kept in the ledger event.")

    def __init__(self, data, *, ctx, obj):
        super().__init__(data, ctx=ctx, obj=obj)
        self.intro = (
            f"Invoice {obj.number} of {obj.account}: {money(obj.amount, obj.currency)}, {obj.status}. "
            "A void invoice takes no more payments and its payment link ends."
        )

    def submit(self) -> str:
        invoice_void(ctx=self.ctx, invoice_id=self.obj.pk, reason=self.cleaned_data["reason"])
        return f"Voided invoice {self.obj.number}."
