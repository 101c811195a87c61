from typing import ClassVar

from django.db.models import QuerySet
from django_filters import FilterSet
from django_filters.utils import translate_validation
from rest_framework import serializers

from api.dayzero.errors import RENDERER
from api.dayzero.schemas import DayZeroSchema
from api.views import TenantAPIView


class DayZeroView(TenantAPIView):
    errors = RENDERER
    schema = DayZeroSchema()
    business_header_required = True
    # Where the services' field names sit in this dialect's requests, for the loc of a broken rule's 422.
    # Unlisted fields are body fields of the same name.
    error_locs: ClassVar[dict[str, tuple[str, str]]] = {
        "invoice_id": ("path", "invoice_id"),
        "invoice_payment_id": ("path", "payment_id"),
    }

    def query(self, serializer_class) -> dict:
        """Validated query parameters; errors are reported at loc ["query", name] as FastAPI does."""
        serializer = serializer_class(data=self.request.query_params)
        if not serializer.is_valid():
            raise serializers.ValidationError({"query": serializer.errors})
        return serializer.validated_data

    def filtering(self, filterset_class: type[FilterSet]) -> bool:
        """Whether the query names any of the parameters `filterset_class` declares."""
        return any(name in self.request.query_params for name in filterset_class.base_filters)

    def filtered(self, filterset_class: type[FilterSet], queryset: QuerySet, **kwargs) -> QuerySet:
        """`queryset` narrowed by the query parameters `filterset_class` declares; errors as in query()."""
        if not self.filtering(filterset_class):
            return queryset  # nothing to filter by: no form to build and validate (~5% of a page's CPU)
        filterset = filterset_class(self.request.query_params, queryset=queryset, **kwargs)
        if not filterset.is_valid():
            raise serializers.ValidationError({"query": translate_validation(filterset.errors).detail})
        return filterset.qs

    def body(self, serializer_class) -> dict:
        data = self.request.data
        serializer = serializer_class(data=data if isinstance(data, dict) else {})
        if not isinstance(data, dict):
            raise serializers.ValidationError(
                {"non_field_errors": ["Input should be a valid dictionary or object to extract fields from"]},
                code="model_attributes_type",
            )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data
