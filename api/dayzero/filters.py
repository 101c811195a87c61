"""The DayZero lists' query filters (django-filter).

Each value is parsed by one of the dialect's own fields, so a bad filter gets the pydantic error a bad
body field gets. Amounts arrive in cents and are compared in the ledger's Decimal.
"""

import django_filters
from django import forms
from django.db.models import F, Q
from rest_framework import serializers

from api.dayzero import fields
from core.money import from_minor


class ParsedField(forms.Field):
    """A form field that delegates parsing to a DRF field (`parser`) and keeps its error code."""

    def __init__(self, *, parser: serializers.Field, **kwargs):
        self.parser = parser
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return self.parser.run_validation(value)
        except serializers.ValidationError as exc:
            error = exc.detail[0]
            raise forms.ValidationError(str(error), code=error.code) from exc


class QueryFilter(django_filters.Filter):
    field_class = ParsedField


class CentsFilter(QueryFilter):
    """Integer minor units, in the currency the filter set was given."""

    def __init__(self, field_name: str, lookup_expr: str):
        super().__init__(field_name, lookup_expr, parser=fields.CentsField())

    def filter(self, qs, value):
        return super().filter(qs, None if value is None else from_minor(value, self.parent.currency))


_LEDGER_STATUS = {dayzero: ledger for ledger, dayzero in fields.INVOICE_STATUSES.items()}


class InvoiceFilter(django_filters.FilterSet):
    status = QueryFilter(method="filter_status", parser=fields.EnumField(tuple(_LEDGER_STATUS)))
    account_id = QueryFilter(parser=fields.UUIDStrField())
    currency = QueryFilter(parser=fields.CurrencyField())
    due_date_from = QueryFilter("due_date", "gte", parser=fields.PydanticDateField())
    due_date_to = QueryFilter("due_date", "lte", parser=fields.PydanticDateField())

    def filter_status(self, queryset, name, value):
        return queryset.filter(status=_LEDGER_STATUS[value])


class TransactionFilter(django_filters.FilterSet):
    has_unallocated = QueryFilter(method="filter_has_unallocated", parser=fields.PydanticBooleanField())
    start_date = QueryFilter("occurred_at", "gte", parser=fields.PydanticDateTimeField())
    end_date = QueryFilter("occurred_at", "lte", parser=fields.PydanticDateTimeField())

    def filter_has_unallocated(self, queryset, name, value):
        unallocated = Q(allocated_amount__lt=F("amount"))
        return queryset.filter(unallocated) if value else queryset.exclude(unallocated)


class InvoicePaymentFilter(django_filters.FilterSet):
    paid_on_from = QueryFilter("paid_on", "gte", parser=fields.PydanticDateTimeField())
    paid_on_to = QueryFilter("paid_on", "lte", parser=fields.PydanticDateTimeField())
    min_amount = CentsFilter("amount", "gte")
    max_amount = CentsFilter("amount", "lte")
    transaction_id = QueryFilter("payment_id", parser=fields.UUIDStrField())

    def __init__(self, data, *, queryset, currency: str):
        super().__init__(data, queryset=queryset)
        # One invoice's payments share its currency: the unit of the cents in min_amount and max_amount.
        self.currency = currency
