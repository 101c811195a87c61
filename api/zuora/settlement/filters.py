"""The lists' filters and sort, as zuora-sdk sends them (django-filter).

Each filter matches the field of the object as it is shown: `appliedAmount` the payment's net applied
amount, `number` P-00000042, `createdDate` the second it names. A value no object can show (a status this
service never gives, a type other than External) matches nothing, as it would in Zuora.
"""

from datetime import UTC, timedelta

import django_filters
from django.db.models import F, Q, QuerySet
from rest_framework import serializers

from api.zuora.presenters import PAYMENT_STATUS, actor_id
from api.zuora.settlement import keys
from payments.models import UNALLOCATED

NOTHING = Q(pk__in=[])


class PagingIn(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, max_value=1_000_000, required=False, default=1)
    pageSize = serializers.IntegerField(min_value=1, max_value=40, required=False, default=20)


class _NumberFilter(django_filters.CharFilter):
    """P-00000042 (or R-, A): the number; any other spelling matches nothing."""

    def __init__(self, prefix: str, field_name: str = "number", **kwargs):
        super().__init__(field_name=field_name, **kwargs)
        self.prefix = prefix

    def filter(self, qs, value):
        if not value:
            return qs
        digits = value[len(self.prefix) :] if value.startswith(self.prefix) else ""
        if not digits.isdigit() or len(digits) > 18:
            return qs.filter(NOTHING)
        return qs.filter(**{self.field_name: int(digits)})


class _SecondFilter(django_filters.IsoDateTimeFilter):
    """The rows stamped within the second named."""

    def filter(self, qs, value):
        if value is None:
            return qs
        start = value.replace(microsecond=0)
        return qs.filter(
            **{f"{self.field_name}__gte": start, f"{self.field_name}__lt": start + timedelta(seconds=1)}
        )


class _DayFilter(django_filters.IsoDateTimeFilter):
    """The rows of the day named: a date, or a date-time as zuora-sdk sends this filter
    (`2026-01-10T00:00:00.000000`), whose day (in UTC) it is."""

    def filter(self, qs, value):
        if value is None:
            return qs
        return qs.filter(**{f"{self.field_name}__date": value.astimezone(UTC).date()})


class _ActorFilter(django_filters.CharFilter):
    """createdById: the id shown for who acted (presenters.actor_id, a one-way hash), matched against the
    few actors of the rows."""

    def filter(self, qs, value):
        if not value:
            return qs
        actors = qs.order_by().values_list(self.field_name, flat=True).distinct()
        return qs.filter(**{f"{self.field_name}__in": [a for a in actors if actor_id(a) == value.lower()]})


def _constant(shown: object):
    """A filter on a field every row shows as `shown`: all of them, or none."""

    def method(queryset, name, value):
        return queryset if value == shown else queryset.filter(NOTHING)

    return method


_LEDGER_PAYMENT_STATUS = {shown: status for status, shown in PAYMENT_STATUS.items()}


class PaymentFilter(django_filters.FilterSet):
    accountId = django_filters.UUIDFilter(field_name="account_id")
    amount = django_filters.NumberFilter(field_name="amount")
    appliedAmount = django_filters.NumberFilter(field_name="applied")
    unappliedAmount = django_filters.NumberFilter(field_name="unapplied")
    refundAmount = django_filters.NumberFilter(field_name="refund_amount")
    creditBalanceAmount = django_filters.NumberFilter(method=_constant(0))
    currency = django_filters.CharFilter(field_name="currency")
    number = _NumberFilter(keys.PAYMENT)
    status = django_filters.CharFilter(method="filter_status")
    type = django_filters.CharFilter(method=_constant("External"))
    effectiveDate = _DayFilter(field_name="occurred_at")
    createdById = _ActorFilter(field_name="created_by")
    updatedById = django_filters.CharFilter(method=_constant(None))
    createdDate = _SecondFilter(field_name="created_at")
    updatedDate = _SecondFilter(field_name="updated_at")

    def filter_status(self, queryset, name, value):
        status = _LEDGER_PAYMENT_STATUS.get(value)
        return queryset.filter(status=status) if status else queryset.filter(NOTHING)


def payments_with_shown_amounts(queryset: QuerySet) -> QuerySet:
    return queryset.alias(
        applied=F("allocated_amount") - F("refund_amount") + F("unapplied_refund_amount"),
        unapplied=UNALLOCATED,
    )


class RefundFilter(django_filters.FilterSet):
    accountId = django_filters.UUIDFilter(field_name="payment__account_id")
    paymentId = django_filters.UUIDFilter(field_name="payment_id")
    amount = django_filters.NumberFilter(field_name="amount")
    number = _NumberFilter(keys.REFUND)
    refundDate = django_filters.DateFilter(field_name="refund_date")
    methodType = django_filters.CharFilter(field_name="method")
    status = django_filters.CharFilter(method=_constant("Processed"))
    type = django_filters.CharFilter(method=_constant("External"))
    createdById = _ActorFilter(field_name="created_by")
    updatedById = django_filters.CharFilter(method=_constant(None))
    createdDate = _SecondFilter(field_name="created_at")
    updatedDate = _SecondFilter(field_name="updated_at")


PAYMENT_SORT = {
    "number": "number",
    "accountId": "account_id",
    "amount": "amount",
    "appliedAmount": "applied",
    "unappliedAmount": "unapplied",
    "refundAmount": "refund_amount",
    "effectiveDate": "occurred_at",
    "createdDate": "created_at",
    "updatedDate": "updated_at",
}
REFUND_SORT = {
    "number": "number",
    "accountId": "payment__account_id",
    "amount": "amount",
    "refundDate": "refund_date",
    "paymentId": "payment_id",
    "createdDate": "created_at",
    "updatedDate": "updated_at",
}


def sort_order(value: str | None, sortable: dict[str, str]) -> list[str]:
    """Zuora's sort: at most two fields, each descending unless `-` says ascending (`+` says descending;
    sent unencoded, a `+` arrives as a space). By default, descending by number."""
    order = []
    for term in (value or "").split(",")[:3] if value else []:
        term = term.strip(" ")
        ascending = term.startswith("-")
        name = term.lstrip("+-")
        column = sortable.get(name)
        if column is None:
            raise serializers.ValidationError({"sort": [f"{name or term!r} is not a sortable field"]})
        order.append(column if ascending else f"-{column}")
    if len(order) > 2:
        raise serializers.ValidationError({"sort": ["at most two sortable fields"]})
    return [*order, "-number"] if "number" not in {o.lstrip("-") for o in order} else order
