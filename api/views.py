"""The base view every dialect inherits: authentication, scopes and the tenant, resolved once."""

from typing import ClassVar, final

from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import SAFE_METHODS
from rest_framework.views import APIView

from api.errors import ErrorRenderer, MissingHeader
from tenants.auth import BasicClientAuthentication, BearerTokenAuthentication
from tenants.context import TenantContext
from tenants.errors import Forbidden
from tenants.models import SCOPE_READ, SCOPE_WRITE
from tenants.services import tenant_context_resolve


class TenantAPIView(APIView):
    """Resolves `self.tenant` before any handler runs. Subclasses cannot replace that step."""

    authentication_classes = (BearerTokenAuthentication, BasicClientAuthentication)
    errors: ClassVar[ErrorRenderer]
    # DayZero requires x-business-id on every call; the other dialects take the business from the credential.
    business_header_required: ClassVar[bool] = False
    # Zuora: a token holding several entities must name one (Zuora-Entity-Ids) on every request.
    entity_header_required_when_several: ClassVar[bool] = False
    tenant: TenantContext

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "initial" in cls.__dict__:
            raise TypeError(
                f"{cls.__name__} may not override initial(): tenant resolution happens in one place"
            )

    @final
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        principal = request.user
        if principal is None:
            raise NotAuthenticated("authentication required")
        needed = SCOPE_READ if request.method in SAFE_METHODS else SCOPE_WRITE
        if needed not in principal.scopes:
            raise Forbidden(f"this credential lacks the {needed} scope", code="scope")
        business_header = request.headers.get("x-business-id")
        if business_header is None and self.business_header_required:
            raise MissingHeader("x-business-id")
        self.tenant = tenant_context_resolve(
            client=principal.client,
            scopes=principal.scopes,
            business_header=business_header,
            entity_header=request.headers.get("Zuora-Entity-Ids"),
            request_id=getattr(request, "request_id", ""),
        )
        if self.entity_header_required_when_several:
            self.tenant.entity_for_creation()

    def get_exception_handler(self):
        return self.errors.handle

    def get_authenticate_header(self, request):
        # A 401 stays a 401 (DRF would turn it into 403 without a WWW-Authenticate header).
        return 'Bearer realm="api"'
