from typing import ClassVar

from rest_framework import serializers
from rest_framework.exceptions import ParseError

from api.moov import presenters
from api.moov.errors import RENDERER
from api.moov.schemas import MoovSchema
from api.moov.versioning import DEFAULT_VERSION, MoovVersioning
from api.views import TenantAPIView
from payments.selectors import invoice_in_full


class MoovView(TenantAPIView):
    errors = RENDERER
    schema = MoovSchema()
    # Every Moov path starts with the account that acts: the merchant, one of the business's entities.
    path_entity = "account_id"
    path_entity_name = "account"
    # Each method's 422 model, the shape its refusals are fitted to (api/moov/error_shapes.py).
    error_shapes: ClassVar[dict[str, type[serializers.Serializer]]] = {}
    # Service field names that stand under another name in this view's request than REQUEST_NAMES says.
    request_names: ClassVar[dict[str, tuple[str, ...]]] = {}

    def determine_version(self, request, *args, **kwargs):
        # Not `versioning_class`: drf-spectacular takes that for URL versioning and warns on every schema
        # request. The version is a header the schema describes (api/moov/schemas.py).
        return MoovVersioning().determine_version(request), None

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # Echoed on every answer, errors included; a malformed version is answered in the default one.
        response["X-Moov-Version"] = getattr(request, "version", None) or DEFAULT_VERSION
        return response

    def body(self, serializer_class) -> dict:
        data = self.request.data
        if not isinstance(data, dict):
            raise ParseError("the request body must be a JSON object")
        serializer = serializer_class(data=data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def query(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.query_params)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def invoice_answer(self, invoice_id) -> dict:
        """The invoice as Moov shows it, read in full."""
        return presenters.invoice(invoice_in_full(ctx=self.tenant, invoice_id=invoice_id))
