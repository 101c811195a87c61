from django.contrib import admin

from api.models import IdempotencyKey
from tenants.admin import BY_BUSINESS, ReadOnlyAdmin


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyAdmin):
    """What a client's retry would be answered with; the stored response body itself is not shown."""

    list_display = (
        "key",
        "client",
        "method",
        "path",
        "status_code",
        "created_at",
        "completed_at",
        "business",
    )
    list_select_related = ("client", "business")
    list_filter = (BY_BUSINESS, "method", "status_code", "created_at")
    search_fields = ("key", "path", "client__client_id")
    search_help_text = "Key, path or client id"
    fields = (
        "key",
        "client",
        "method",
        "path",
        "body_sha256",
        "status_code",
        "response_headers",
        "created_at",
        "completed_at",
        "business",
    )
