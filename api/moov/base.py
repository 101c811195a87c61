import re
from typing import ClassVar

from rest_framework.exceptions import ParseError
from rest_framework.versioning import BaseVersioning

from api.moov.errors import RENDERER
from api.views import TenantAPIView

DEFAULT_VERSION = "v2024.01.00"
# vYYYY.QQ.BB: QQ is the first month of a quarter, BB the build within it.
VERSION = re.compile(r"v\d{4}\.(?:01|04|07|10)\.\d{2}")


class MoovVersioning(BaseVersioning):
    """X-Moov-Version: optional, checked before authentication so a malformed one is always a 400."""

    default_version = DEFAULT_VERSION

    def determine_version(self, request, *args, **kwargs):
        version = request.headers.get("X-Moov-Version")
        if version is None:
            return self.default_version
        if not VERSION.fullmatch(version):
            raise ParseError("X-Moov-Version must have the form vYYYY.QQ.BB, e.g. v2024.01.00")
        return version


class MoovView(TenantAPIView):
    errors = RENDERER
    versioning_class = MoovVersioning
    # Where a service's Invalid(field=...) sits in this view's request body, for the 422 field map.
    error_fields: ClassVar[dict[str, tuple[str, ...]]] = {}

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
