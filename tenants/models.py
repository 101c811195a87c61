import uuid

from django.conf import settings
from django.db import models
from oauth2_provider.models import AbstractApplication

from tenants.managers import TenantManager

SCOPE_READ = "invoices.read"
SCOPE_WRITE = "invoices.write"
ALL_SCOPES = (SCOPE_READ, SCOPE_WRITE)


def next_in(sequence: str) -> models.Func:
    """A column default that numbers rows from a PostgreSQL sequence (created by the model's migration):
    the database gives the number as it inserts the row, with no lock and no round trip of its own."""
    return models.Func(models.Value(sequence), function="nextval")


class Business(models.Model):
    """The isolation boundary: nothing of one business is ever visible to another."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    currency = models.CharField(max_length=3, default="USD", help_text="Default currency of new accounts.")
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="businesses")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "businesses"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TenantOwned(models.Model):
    """A row that belongs to one business. `objects` fails closed; see TenantManager."""

    # Which field narrows the rows to the request's entities (None: business-wide rows).
    tenant_entity_field: str | None = "entity_id"

    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="+")

    # For Django's own machinery (admin, model forms, related managers, unique checks), which reads rows
    # through the default manager; application code never names it (tests/test_tenancy.py).
    django_manager = models.Manager()
    objects = TenantManager()

    class Meta:
        abstract = True
        default_manager_name = "django_manager"


class Entity(TenantOwned):
    """A legal entity of the business (a merchant): a business has one or more; exactly one is its default."""

    tenant_entity_field = "id"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    is_default = models.BooleanField(default=False)
    # The number of the entity's last invoice numbered for it (INV-<n>).
    invoice_counter = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantOwned.Meta):
        verbose_name_plural = "entities"
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(fields=["business", "name"], name="entity_name_unique_per_business"),
            models.UniqueConstraint(
                fields=["business"],
                condition=models.Q(is_default=True),
                name="one_default_entity_per_business",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Account(TenantOwned):
    """A billing account: the customer invoices are issued to, inside one entity."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="+")
    # Shown as A00000042; unique across businesses, so any business's next one is simply the next.
    number = models.BigIntegerField(db_default=next_in("tenants_account_number_seq"), editable=False)
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    # The bill-to contact as the client gave it (names, address, phones): shown back, never acted on.
    contact = models.JSONField(default=dict, blank=True)
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantOwned.Meta):
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["business", "number"], name="account_number_unique")]
        indexes = [models.Index(fields=["business", "entity", "created_at"], name="account_tenant_created")]

    def __str__(self) -> str:
        return self.name


class ApiClient(AbstractApplication):
    """An OAuth2 client (django-oauth-toolkit's swappable Application) that belongs to one business."""

    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="api_clients")
    # "All entities" follows the business as it grows; otherwise only the listed ones.
    all_entities = models.BooleanField(default=True)
    entities = models.ManyToManyField(Entity, blank=True, related_name="+")
    scopes = models.CharField(max_length=200, default=" ".join(ALL_SCOPES))
    is_active = models.BooleanField(default=True, help_text="Revoking a client stops its tokens at once.")

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"
        verbose_name = "API client"

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    def is_usable(self, request) -> bool:
        return self.is_active and super().is_usable(request)

    @property
    def actor(self) -> str:
        return f"client:{self.client_id}"
