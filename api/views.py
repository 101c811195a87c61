"""The base view every dialect inherits: authentication, scopes, the tenant and the objects its path is
scoped to, rate limits and Idempotency-Key, all resolved once, before any handler runs."""

from typing import ClassVar, final

from django.db import connection, transaction
from rest_framework import exceptions as drf
from rest_framework.permissions import SAFE_METHODS
from rest_framework.views import APIView

from api import idempotency, observability, throttling
from api.errors import ErrorRenderer, MissingHeader, RequestRefused
from core.errors import EntityRequired, Forbidden, NotFound
from ledger.change import changes_share_transaction
from tenants import auth
from tenants.context import TenantContext
from tenants.models import SCOPE_READ, SCOPE_WRITE
from tenants.services import tenant_context_resolve

# Every dialect may narrow a request to one of the credential's entities with Zuora's header.
ENTITY_HEADER = "Zuora-Entity-Ids"
# DayZero names the business in every request; the other dialects take it from the credential.
BUSINESS_HEADER = "x-business-id"

# Answers given before any work: never saved against an Idempotency-Key.
REFUSED_BEFORE_WORK = (
    drf.ValidationError,
    drf.ParseError,
    drf.NotAuthenticated,
    drf.AuthenticationFailed,
    drf.Throttled,
    drf.PermissionDenied,
    drf.UnsupportedMediaType,
    drf.MethodNotAllowed,
    RequestRefused,
    Forbidden,
    EntityRequired,
)


class RateLimited(drf.Throttled):
    def __init__(self, refusal: throttling.Refusal):
        super().__init__(wait=refusal.reset_seconds)
        self.extra_headers = throttling.headers(refusal)


class TenantAPIView(APIView):
    """Resolves `self.tenant` before any handler runs. Subclasses cannot replace that step."""

    authentication_classes = (auth.BearerTokenAuthentication, auth.BasicClientAuthentication)
    errors: ClassVar[ErrorRenderer]
    # DayZero requires x-business-id on every call; the other dialects take the business from the credential.
    business_header_required: ClassVar[bool] = False
    # Zuora: a token holding several entities must name one (ENTITY_HEADER) on every request.
    entity_header_required_when_several: ClassVar[bool] = False
    # The URL parameter naming the entity (the merchant) the request acts for, as Moov's account does, and
    # what the dialect calls it: the tenant is narrowed to it before the handler runs, and an entity the
    # credential was not granted is not found, like one that does not exist.
    path_entity: ClassVar[str | None] = None
    path_entity_name: ClassVar[str] = "entity"
    tenant: TenantContext
    _idempotency_claim = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for step in ("initial", "dispatch"):
            if step in cls.__dict__:
                raise TypeError(
                    f"{cls.__name__} may not override {step}(): the tenant is resolved in one place"
                )

    @final
    def dispatch(self, request, *args, **kwargs):
        if request.method not in idempotency.IDEMPOTENT_METHODS or "Idempotency-Key" not in request.headers:
            return super().dispatch(request, *args, **kwargs)
        # The key's row and the work commit in one transaction (see api/idempotency.py). Fewer round trips
        # while the ledger's rows are locked: savepoints are released by the COMMIT (config.postgres), and
        # ledger changes take none, as a database error ends the request's transaction whole.
        with transaction.atomic(), connection.savepoints_left_to_commit(), changes_share_transaction():
            response = super().dispatch(request, *args, **kwargs)
            if self._idempotency_claim is not None:
                save = not getattr(response, "refused_before_work", False)
                idempotency.complete(self._idempotency_claim, response, save=save)
        return response

    @final
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        principal = request.user
        if principal is None:
            raise drf.NotAuthenticated("authentication required")
        # One Redis round trip: the client's rate limit, and the credentials epoch that a credential this
        # process kept must still match (tenants.auth) before anything is done for it.
        refusal, epoch = throttling.hit_and_read("api", principal.client.client_id, _rate(), auth.EPOCH_KEY)
        if not auth.is_current(principal, epoch):
            principal = self._authenticate_again(request)
        needed = SCOPE_READ if request.method in SAFE_METHODS else SCOPE_WRITE
        if needed not in principal.scopes:
            raise Forbidden(f"this credential lacks the {needed} scope", code="scope")
        observability.bind(
            client_id=principal.client.client_id, business_id=str(principal.client.business_id)
        )
        if refusal is not None:
            raise RateLimited(refusal)
        business_id = request.headers.get(BUSINESS_HEADER)
        if business_id is None and self.business_header_required:
            raise MissingHeader(BUSINESS_HEADER)
        self.tenant = tenant_context_resolve(
            client=principal.client,
            scopes=principal.scopes,
            granted=principal.entity_ids,
            business_id=business_id,
            entity_id=request.headers.get(ENTITY_HEADER),
            request_id=getattr(request, "request_id", ""),
        )
        if self.entity_header_required_when_several:
            self.tenant.entity_for_creation()
        if request.method in idempotency.IDEMPOTENT_METHODS and "Idempotency-Key" in request.headers:
            self._idempotency_claim = idempotency.claim(
                request=request, client=principal.client, business_id=self.tenant.business_id
            )
        if self.path_entity is not None:
            try:
                self.tenant = self.tenant.narrowed(kwargs[self.path_entity])
            except NotFound as exc:
                raise NotFound(f"{self.path_entity_name} not found", field=self.path_entity) from exc

    def _authenticate_again(self, request):
        """The credential read from the database: what this process kept of it is stale."""
        auth.forget_kept()
        request.user, request.auth = None, None  # the stale principal is seen by no one, whatever follows
        with auth.afresh():
            for authenticator in request.authenticators:
                found = authenticator.authenticate(request)
                if found is not None:
                    request.user, request.auth = found
                    return found[0]
        raise drf.NotAuthenticated("authentication required")

    def handle_exception(self, exc):
        if isinstance(exc, idempotency.Replay):
            return exc.response
        if isinstance(exc, EntityRequired):
            exc = EntityRequired(
                f"{exc.message}: name one in the {ENTITY_HEADER} header", field=ENTITY_HEADER
            )
        response = super().handle_exception(exc)
        response.refused_before_work = isinstance(exc, REFUSED_BEFORE_WORK)
        return response

    def get_exception_handler(self):
        return self.errors.handle

    def get_authenticate_header(self, request):
        # A 401 stays a 401 (DRF would turn it into 403 without a WWW-Authenticate header).
        return 'Bearer realm="api"'


def _rate() -> str:
    from django.conf import settings

    return settings.API_RATE_LIMIT
