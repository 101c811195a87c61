from django.db import models

from core.errors import TenantRequired


class TenantManager(models.Manager):
    """`Model.objects`: refuses to run without a tenant (fail closed).

    Application code reads a tenant's rows with `Model.objects.for_tenant(ctx)` (the context's business
    and entities) or `.of_business(business_id)` (all of one business's entities). Crossing tenants on
    purpose (an outbox task addressed by primary key, reconcile, the public payment-link page) has one
    spelling, `Model.objects.across_tenants(reason=...)`, so that every place that does it can be found
    and is listed (tests/test_tenancy.py). Django's own machinery (admin forms, unique checks, related
    managers) uses the model's default manager, which TenantOwned points at a plain one.
    """

    def get_queryset(self):
        raise TenantRequired(
            f"{self.model.__name__}.objects needs a tenant: use .for_tenant(ctx), .of_business(id) or, on "
            "purpose, .across_tenants(reason=...)"
        )

    def none(self) -> models.QuerySet:
        # Nothing needs no tenant (a form's choices before its tenant is known).
        return super().get_queryset().none()

    def across_tenants(self, *, reason: str) -> models.QuerySet:
        if not reason:
            raise TenantRequired("crossing tenants needs a reason")
        return super().get_queryset()

    def of_business(self, business_id) -> models.QuerySet:
        return super().get_queryset().filter(business_id=business_id)

    def for_tenant(self, ctx) -> models.QuerySet:
        qs = self.of_business(ctx.business_id)
        entity_field = self.model.tenant_entity_field
        if entity_field:
            qs = qs.filter(**{f"{entity_field}__in": ctx.entity_ids})
        return qs
