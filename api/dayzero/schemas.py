"""DayZero in OpenAPI: what the presenters return (amounts in integer minor units), FastAPI's error bodies,
the x-business-id header and the lists' query parameters.

These serializers only describe; api/dayzero/presenters.py produces the bodies.
"""

from django_filters import FilterSet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers

from api.dayzero.fields import INVOICE_STATUSES
from api.openapi import HEADER, DialectSchema


def currency() -> serializers.RegexField:
    # Any ISO 4217 code: a row recorded through another dialect may be in a currency DayZero does not take.
    return serializers.RegexField("^[A-Z]{3}$")


def cents(help_text="Minor units of the currency (cents).") -> serializers.IntegerField:
    return serializers.IntegerField(help_text=help_text)


class Account(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    email = serializers.CharField(allow_null=True)
    currency = currency()
    entity_id = serializers.UUIDField()
    business_id = serializers.UUIDField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class Invoice(serializers.Serializer):
    id = serializers.UUIDField()
    account_id = serializers.UUIDField()
    number = serializers.CharField()
    currency = currency()
    amount = cents()
    paid_amount = cents()
    refunded_amount = cents()
    balance = cents(help_text="Minor units; below zero when the invoice is overpaid.")
    status = serializers.ChoiceField(choices=list(INVOICE_STATUSES.values()))
    issue_date = serializers.DateField(allow_null=True)
    due_date = serializers.DateField(allow_null=True)
    entity_id = serializers.UUIDField()
    business_id = serializers.UUIDField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class TransactionSummary(serializers.Serializer):
    id = serializers.UUIDField()
    amount = cents()
    currency = currency()
    datetime = serializers.DateTimeField()
    description = serializers.CharField(allow_null=True)


class Transaction(TransactionSummary):
    counterparty = serializers.CharField(allow_null=True)
    allocated_amount = cents()
    unallocated_amount = cents()
    created_at = serializers.DateTimeField()


class InvoicePayment(serializers.Serializer):
    id = serializers.UUIDField()
    invoice_id = serializers.UUIDField()
    transaction_id = serializers.UUIDField()
    amount = cents()
    currency = currency()
    paid_on = serializers.DateTimeField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    business_id = serializers.UUIDField()


class InvoicePaymentListed(InvoicePayment):
    transaction = TransactionSummary()


def page(item: type[serializers.Serializer]) -> serializers.Serializer:
    """A page of api/dayzero/pagination.py."""
    return inline_serializer(
        name=f"{item.__name__}Page",
        fields={
            "items": item(many=True),
            "next_cursor": serializers.CharField(allow_null=True),
            "prev_cursor": serializers.CharField(allow_null=True),
            "total_count": serializers.IntegerField(allow_null=True, help_text="With include_total_count."),
        },
    )


class _Optional(serializers.Serializer):
    # A filter's parser is declared required (the filter only calls it with a value); the filter is not.
    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            field.required = False
        return fields


def query(filterset: type[FilterSet]) -> type[serializers.Serializer]:
    """A filter set's query parameters, each described by the field that parses it (api/dayzero/filters.py)."""
    parsers = {name: query_filter.extra["parser"] for name, query_filter in filterset.base_filters.items()}
    return type(f"{filterset.__name__}Query", (_Optional,), parsers)


@extend_schema_field({"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}})
class Loc(serializers.ListField):
    """Where the error is: ["body", "amount"], ["query", "limit"], ["body", "items", 0, ...]."""


class ValidationError(serializers.Serializer):
    loc = Loc()
    msg = serializers.CharField()
    type = serializers.CharField()
    input = serializers.JSONField(allow_null=True)
    ctx = serializers.DictField(required=False)


class HTTPValidationError(serializers.Serializer):
    detail = ValidationError(many=True)


class HTTPError(serializers.Serializer):
    detail = serializers.CharField()


UNPROCESSABLE = PolymorphicProxySerializer(
    component_name="DayZeroUnprocessable",
    serializers=[HTTPValidationError, HTTPError],
    resource_type_field_name=None,
)


# Request examples; they are also where the fuzzer starts from.
ACCOUNT_EXAMPLE = OpenApiExample(
    "Account", {"name": "Acme", "email": "ap@acme.test", "currency": "EUR"}, request_only=True
)
INVOICE_EXAMPLE = OpenApiExample(
    "Invoice",
    {
        "account_id": "e02333e4-a835-46d1-8d02-9af7a405e65f",
        "currency": "USD",
        "amount": 12345,
        "number": "INV-1",
        "issue_date": "2026-01-20",
        "due_date": "2026-02-19",
    },
    request_only=True,
)
TRANSACTION_EXAMPLE = OpenApiExample(
    "Bank transaction",
    {
        "amount": 250000,
        "currency": "USD",
        "datetime": "2026-01-20T14:45:00Z",
        "description": "WIRE IN ACME CORP",
        "counterparty": "Acme Corp",
    },
    request_only=True,
)
INVOICE_PAYMENT_EXAMPLE = OpenApiExample(
    "Payment", {"transaction_id": "99e7ebb0-9996-49b2-98f0-304c7332ece6", "amount": 4000}, request_only=True
)


class DayZeroSchema(DialectSchema):
    tag = "DayZero"
    headers = (
        OpenApiParameter(
            "x-business-id",
            OpenApiTypes.UUID,
            HEADER,
            required=True,
            description="The credential's business: 403 for another, 422 when absent.",
        ),
    )
    path_type = OpenApiTypes.UUID
    error = HTTPError
    # FastAPI's validation errors, also for the missing x-business-id; a reused Idempotency-Key is a string.
    errors = {422: UNPROCESSABLE}
    always = (422,)
