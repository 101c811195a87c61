"""The OpenAPI description of the dialects (drf-spectacular, served at /api/schema/).

Each dialect's base view sets `schema` to a DialectSchema subclass, which adds what every route of that
dialect shares: its tag, its component names, the headers of the HTTP edge and the errors the edge answers
before any handler runs. A view's @extend_schema declares only its own request, responses and parameters.
"""

from typing import ClassVar

import uritemplate
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from api.idempotency import IDEMPOTENT_METHODS

HEADER = OpenApiParameter.HEADER

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"},
    HEADER,
    description="Replays the first completed response to this key (same method, path and body) for 24 hours.",
)
EDGE_HEADERS = (
    OpenApiParameter(
        "x-request-id", OpenApiTypes.STR, HEADER, description="Kept on the response when it is a UUID."
    ),
    OpenApiParameter(
        "x-request-id",
        OpenApiTypes.UUID,
        HEADER,
        response=True,
        required=True,
        description="Traces the request.",
    ),
    OpenApiParameter(
        "Retry-After", OpenApiTypes.INT, HEADER, response=[429], required=True, description="Seconds to wait."
    ),
)


class DialectSchema(AutoSchema):
    # The dialect's tag, also the prefix of its component names (Zuora, DayZero and Moov all have an Invoice).
    tag: ClassVar[str]
    # Request and response headers every route of the dialect takes or gives.
    headers: ClassVar[tuple[OpenApiParameter, ...]] = ()
    # The body of an error answered by the edge (authentication, scopes, limits, malformed requests)...
    error: ClassVar[object]
    # ... except for these statuses, which the dialect answers in another shape.
    errors: ClassVar[dict[int, object]] = {}
    # Statuses the dialect may answer on every route besides the edge's.
    always: ClassVar[tuple[int, ...]] = ()
    # The schema of every path parameter (the URL converters only say "str").
    path_type: ClassVar[object] = OpenApiTypes.STR

    def get_tags(self):
        return [self.tag]

    def get_description(self):
        # The views' docstrings speak to this codebase's readers (the base view's would show on every
        # operation); an operation's own description, if any, comes from @extend_schema.
        return ""

    def get_serializer_name(self, serializer, direction):
        # AccountIn in the request direction becomes ZuoraAccountRequest (COMPONENT_SPLIT_REQUEST).
        return self.tag + super().get_serializer_name(serializer, direction).removesuffix("In")

    def get_override_parameters(self):
        parameters = [*super().get_override_parameters(), *EDGE_HEADERS, *self.headers]
        parameters += [
            OpenApiParameter(name, self.path_type, OpenApiParameter.PATH)
            for name in uritemplate.variables(self.path)
        ]
        if self.method in IDEMPOTENT_METHODS:
            parameters.append(IDEMPOTENCY_KEY)
        return parameters

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is not None:
            for status, body in self.edge_responses().items():
                operation["responses"].setdefault(str(status), self._get_response_for_code(body, str(status)))
        return operation

    def edge_responses(self) -> dict[int, object]:
        statuses = [400, 401, 403, 413, 415, 429, *self.always]
        if uritemplate.variables(self.path):
            statuses.append(404)  # also a path parameter that does not match the route (a "/" in it)
        if self.method in IDEMPOTENT_METHODS:
            statuses += [409, 422]  # Idempotency-Key still running, or reused with another request
        return {status: self.errors.get(status, self.error) for status in statuses}
