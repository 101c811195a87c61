"""What makes the web processes' kept credentials stale (tenants.auth): a client, a token, a client's
entities or an entity, changed or deleted through the ORM. A new token changes nothing kept, nor does an
expired one's deletion (no request accepts it, kept or not: cleartokens deletes them by the thousand). A
change made around the ORM (QuerySet.update, raw SQL) calls tenants.auth.credentials_changed() itself,
as tenants.services.api_client_revoke does."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone
from oauth2_provider.models import get_access_token_model

from tenants.auth import credentials_changed
from tenants.models import ApiClient, Entity


def _changed(sender, **kwargs) -> None:
    credentials_changed()


def _token_saved(sender, created: bool, **kwargs) -> None:
    if not created:
        credentials_changed()


def _token_deleted(sender, instance, **kwargs) -> None:
    if instance.expires is None or instance.expires > timezone.now():
        credentials_changed()


def connect() -> None:
    for model in (ApiClient, Entity):
        post_save.connect(_changed, sender=model, dispatch_uid=f"credentials-{model.__name__}-saved")
    for model in (ApiClient, Entity):
        post_delete.connect(_changed, sender=model, dispatch_uid=f"credentials-{model.__name__}-deleted")
    token = get_access_token_model()
    post_save.connect(_token_saved, sender=token, dispatch_uid="credentials-token-saved")
    post_delete.connect(_token_deleted, sender=token, dispatch_uid="credentials-token-deleted")
    m2m_changed.connect(_changed, sender=ApiClient.entities.through, dispatch_uid="credentials-grants")
