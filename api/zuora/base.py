from rest_framework import serializers

from api.views import TenantAPIView
from api.zuora.errors import RENDERER, UnrecognisedFields
from api.zuora.renderers import ZuoraJSONRenderer
from api.zuora.schemas import ZuoraSchema


def _has_unknown_fields(serializer: serializers.Serializer, data: dict) -> bool:
    for key, value in data.items():
        field = serializer.fields.get(key)
        if field is None:
            return True
        if isinstance(field, serializers.ListSerializer):
            field = field.child
            values = value if isinstance(value, list) else []
        else:
            values = [value]
        nested = isinstance(field, serializers.Serializer)
        if nested and any(isinstance(v, dict) and _has_unknown_fields(field, v) for v in values):
            return True
    return False


class ZuoraView(TenantAPIView):
    errors = RENDERER
    entity_header_required_when_several = True
    renderer_classes = [ZuoraJSONRenderer]
    schema = ZuoraSchema()
    # The URL kwarg naming the object a view acts on; its absence is a 404 (see ZuoraErrors).
    path_field = "object_id"

    def body(self, serializer_class) -> dict:
        data = self.request.data
        if not isinstance(data, dict):
            raise serializers.ValidationError("the request body must be a JSON object")
        serializer = serializer_class(data=data)
        reject = self.request.query_params.get("rejectUnknownFields", "false").lower() == "true"
        if reject and _has_unknown_fields(serializer, data):
            raise UnrecognisedFields()
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data
