from django.db import models

from tenants.errors import TenantRequired


class TenantManager(models.Manager):
    """`Model.objects`: refuses to run without a tenant (fail closed).

    Application code writes `Model.objects.for_tenant(ctx)`; crossing tenants on purpose (admin for a
    superuser, Celery tasks addressed by primary key, reconcile) is spelled `Model.objects.unscoped()`.
    Django's own machinery (admin forms, unique checks, related managers) uses the model's
    `_default_manager`, which TenantOwned points at a plain manager so those keep working.
    """

    def get_queryset(self):
        raise TenantRequired(
            f"{self.model.__name__}.objects needs a tenant: use .for_tenant(ctx) or, on purpose, .unscoped()"
        )

    def unscoped(self) -> models.QuerySet:
        return super().get_queryset()

    def for_tenant(self, ctx) -> models.QuerySet:
        qs = super().get_queryset().filter(business_id=ctx.business_id)
        entity_field = self.model.tenant_entity_field
        if entity_field:
            qs = qs.filter(**{f"{entity_field}__in": ctx.entity_ids})
        return qs
