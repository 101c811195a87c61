from typing import ClassVar

from rest_framework.exceptions import ParseError

from api.moov.errors import RENDERER
from api.moov.schemas import MoovSchema
from api.moov.versioning import DEFAULT_VERSION, MoovVersioning
from api.views import TenantAPIView
from tenants.selectors import account_key


class MoovView(TenantAPIView):
    errors = RENDERER
    schema = MoovSchema()
    # Every Moov path starts with the account: one of the tenant's, or a 404 before anything else.
    path_parents = {"account_id": lambda ctx, account_id: account_key(ctx=ctx, account_id=account_id)}
    # Where a service's Invalid(field=...) sits in this view's request body, for the 422 field map.
    error_fields: ClassVar[dict[str, tuple[str, ...]]] = {}

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
