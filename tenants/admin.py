from django.contrib import admin

from tenants.models import Account, ApiClient, Business, Entity


@admin.register(Business)
class BusinessAdmin(admin.ModelAdmin):
    list_display = ("name", "currency", "id", "created_at")
    search_fields = ("name",)


@admin.register(Entity)
class EntityAdmin(admin.ModelAdmin):
    list_display = ("name", "business", "is_default", "id")
    list_select_related = ("business",)
    list_filter = ("business",)


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("name", "business", "entity", "email", "currency", "created_at")
    list_select_related = ("business", "entity")
    list_filter = ("business", "currency")
    search_fields = ("name", "email")


# django-oauth-toolkit registers its own admin for the application model; ours replaces it.
if admin.site.is_registered(ApiClient):
    admin.site.unregister(ApiClient)


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ("name", "client_id", "business", "scopes", "is_active", "created")
    list_select_related = ("business",)
    list_filter = ("business", "is_active")
    fields = ("business", "name", "client_id", "all_entities", "entities", "scopes", "is_active")
    readonly_fields = ("client_id",)
