from rest_framework import serializers

from api.dayzero.errors import RENDERER
from api.views import TenantAPIView


class DayZeroView(TenantAPIView):
    errors = RENDERER
    business_header_required = True

    def query(self, serializer_class) -> dict:
        """Validated query parameters; errors are reported at loc ["query", name] as FastAPI does."""
        serializer = serializer_class(data=self.request.query_params)
        if not serializer.is_valid():
            raise serializers.ValidationError({"query": serializer.errors})
        return serializer.validated_data

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
