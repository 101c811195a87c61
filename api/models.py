from django.db import models

from tenants.models import TenantOwned


class IdempotencyKey(TenantOwned):
    """One Idempotency-Key of one API client, and the response its first completed request got.

    The row is written in the same transaction as the request's work, so the two commit or vanish
    together; its unique index is also what makes a concurrent duplicate wait for the first one.
    """

    tenant_entity_field = None

    id = models.BigAutoField(primary_key=True)
    client = models.ForeignKey("tenants.ApiClient", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.TextField()
    body_sha256 = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.BinaryField(null=True)
    response_headers = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True)

    class Meta(TenantOwned.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["business", "client", "key"], name="idempotency_key_unique_per_client"
            ),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_key_created")]

    def __str__(self) -> str:
        return self.key
