"""Tenants, their API clients and billing accounts. The only code that creates them."""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import get_access_token_model, set_token_value

from core.errors import Forbidden, Invalid
from core.ids import parse_uuid
from core.money import currency_validate
from tenants.auth import credentials_changed
from tenants.context import TenantContext
from tenants.models import ALL_SCOPES, Account, ApiClient, Business, Entity
from tenants.oauth import CLIENT_SECRET_LENGTH


@dataclass(frozen=True)
class ProvisionedTenant:
    business: Business
    entity_ids: list[UUID]
    client: ApiClient
    client_secret: str
    access_token: str

    def context(self) -> TenantContext:
        """The tenant as its own client sees it (all its entities, the default one for creations)."""
        return TenantContext(
            business_id=self.business.id,
            entity_ids=tuple(self.entity_ids),
            selected_entity_id=self.entity_ids[0],
            actor=self.client.actor,
        )


def access_token_issue(*, client: ApiClient, ttl: timedelta, raw_token: str | None = None) -> str:
    token = get_access_token_model()(
        application=client, expires=timezone.now() + ttl, scope=" ".join(client.scope_list)
    )
    raw = raw_token or secrets.token_urlsafe(32)
    set_token_value(token, raw)
    token.save()
    return raw


@transaction.atomic
def business_provision(
    *,
    name: str,
    entities: int = 1,
    currency: str = "USD",
    client_id: str | None = None,
    client_secret: str | None = None,
) -> ProvisionedTenant:
    """A business with `entities` entities (the first is the default) and one client granted all of them."""
    currency_validate(currency)
    if entities < 1:
        raise Invalid("a business needs at least one entity", field="entities")
    business = Business.objects.create(name=name, currency=currency)
    entity_rows = Entity.objects.of_business(business.id).bulk_create(
        Entity(business=business, name="Default" if i == 0 else f"Entity {i + 1}", is_default=i == 0)
        for i in range(entities)
    )
    # The id (the model's default) and the secret come from settings' generators (tenants.oauth).
    secret = client_secret or generate_client_secret()
    client = ApiClient(
        business=business,
        name=f"{name} API client",
        client_type=ApiClient.CLIENT_CONFIDENTIAL,
        authorization_grant_type=ApiClient.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret,
        scopes=" ".join(ALL_SCOPES),
    )
    if client_id:
        client.client_id = client_id
    client.save()
    ttl = timedelta(seconds=settings.PROVISIONED_TOKEN_TTL_SECONDS)
    token = access_token_issue(client=client, ttl=ttl)
    return ProvisionedTenant(business, [e.id for e in entity_rows], client, secret, token)


DEMO_BUSINESS_NAME = "Demo Business"
# Fixed, and in the shape of every generated client id (a UUID: see tenants.oauth).
DEMO_CLIENT_ID = "de30c11e-0000-4000-8000-000000000001"


def _demo_secret(purpose: str) -> str:
    # Derived from SECRET_KEY so that provisioning the demo twice prints the same credentials and changes
    # nothing. Only ever used with DEBUG on (see demo_provision). URL-safe base64 of the HMAC, cut to the
    # length of a generated secret: 42 characters, 252 bits.
    digest = hmac.new(settings.SECRET_KEY.encode(), f"demo:{purpose}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:CLIENT_SECRET_LENGTH]


@transaction.atomic
def demo_provision() -> ProvisionedTenant:
    """The development demo tenant: created once, then found again unchanged."""
    if not settings.DEBUG:
        raise Forbidden("the demo tenant has predictable credentials and exists only with DEBUG on")
    secret, raw_token = _demo_secret("client-secret"), _demo_secret("access-token")
    client = ApiClient.objects.select_related("business").filter(client_id=DEMO_CLIENT_ID).first()
    if client is None:
        provisioned = business_provision(
            name=DEMO_BUSINESS_NAME, client_id=DEMO_CLIENT_ID, client_secret=secret
        )
        client = provisioned.client
    tokens = get_access_token_model().objects.filter(
        token_checksum=hashlib.sha256(raw_token.encode()).hexdigest()
    )
    if not tokens.filter(expires__gt=timezone.now() + timedelta(days=1)).exists():
        tokens.delete()
        access_token_issue(client=client, ttl=timedelta(days=365), raw_token=raw_token)
    entity_ids = list(
        Entity.objects.of_business(client.business_id)
        .order_by("-is_default", "name")
        .values_list("id", flat=True)
    )
    return ProvisionedTenant(client.business, entity_ids, client, secret, raw_token)


def api_client_revoke(*, client: ApiClient) -> bool:
    """Stops a client at once: the API checks is_active on every call (tenants/auth.py) and the token
    endpoint refuses it. False if it was revoked already."""
    with transaction.atomic():
        revoked = ApiClient.objects.filter(pk=client.pk, is_active=True).update(
            is_active=False, updated=timezone.now()
        )
        if revoked:
            credentials_changed()  # an UPDATE sends no signal (tenants.signals)
    return bool(revoked)


def tenant_context_resolve(
    *,
    client: ApiClient,
    scopes: frozenset[str],
    granted: tuple[UUID, ...],
    business_id: str | None,
    entity_id: str | None,
    request_id: str = "",
) -> TenantContext:
    """The one place a credential becomes a tenant (DESIGN.md, "Tenancy"): the client's business (the
    request may name it, and then it must be the client's) and the entities it was `granted` (read with
    the credential, tenants.auth), narrowed to one when the request selects it."""
    if business_id is not None and parse_uuid(business_id) != client.business_id:
        raise Forbidden("this credential does not belong to that business", field="business_id")
    if entity_id is not None:
        selected = parse_uuid(entity_id.strip())
        if selected not in granted:
            raise Forbidden("this credential is not granted that entity", field="entity_id")
        visible = (selected,)
    else:
        visible = tuple(granted)
    return TenantContext(
        business_id=client.business_id,
        entity_ids=visible,
        selected_entity_id=visible[0] if len(visible) == 1 else None,
        actor=client.actor,
        request_id=request_id,
        scopes=scopes,
    )


def account_create(
    *,
    ctx: TenantContext,
    name: str,
    currency: str,
    email: str = "",
    contact: dict[str, str] | None = None,
    entity_id: UUID | None = None,
) -> Account:
    currency_validate(currency)
    account = Account(
        business_id=ctx.business_id,
        entity_id=entity_id or ctx.entity_for_creation(),
        name=name,
        email=email,
        contact=contact or {},
        currency=currency,
    )
    account.save(force_insert=True)
    return account


def staff_context(*, user, business_id: UUID, request_id: str = "") -> TenantContext:
    """A staff user working in the admin on one business: all its entities, ledger events in their name.

    Refused for a business the user is not assigned to (superusers work on any), like a credential
    naming another business.
    """
    if not user.is_superuser and not user.businesses.filter(pk=business_id).exists():
        raise Forbidden("this staff user is not assigned to that business", field="business_id")
    entity_ids = tuple(
        Entity.objects.of_business(business_id).order_by("-is_default", "name").values_list("id", flat=True)
    )
    return TenantContext(
        business_id=business_id,
        entity_ids=entity_ids,
        selected_entity_id=entity_ids[0] if len(entity_ids) == 1 else None,
        actor=f"staff:{user.get_username()}",
        request_id=request_id,
        scopes=frozenset(ALL_SCOPES),
    )
