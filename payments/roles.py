"""The back-office role: a Django group every staff user assigned to a business is given (on the business's
page, or however Business.staff is added to), with the businesses they serve.

It can view every tenant and ledger page and run the admin's actions (which need the model's change
permission); forms stay read-only for ledger rows whatever the permission, and money moves only through
the actions' services. Kept in step with the models after every migrate.
"""

from django.contrib.auth.models import Group, Permission

BACK_OFFICE = "Back office"
MODELS = {
    "tenants": ("business", "entity", "account", "apiclient"),
    "invoices": ("invoice", "paymentlink", "invoicenotice"),
    "ledger": ("ledgerevent",),
    "payments": ("payment", "invoicepayment", "refund", "refundline", "receipt"),
    "api": ("idempotencykey",),
}
# Actions run on these; the others are only viewed.
OPERATED = {"account", "apiclient", "invoice", "paymentlink", "payment", "invoicepayment", "receipt"}


def back_office_group_sync(**kwargs) -> None:
    codenames = [f"view_{model}" for models in MODELS.values() for model in models]
    codenames += [f"change_{model}" for model in OPERATED]
    permissions = Permission.objects.filter(content_type__app_label__in=MODELS, codename__in=codenames)
    group, _ = Group.objects.get_or_create(name=BACK_OFFICE)
    group.permissions.set(permissions)


def back_office_group_assign(*, action: str, instance, pk_set, reverse: bool, **kwargs) -> None:
    """Business.staff gained users (or a user gained businesses): they get the back-office group."""
    if action != "post_add" or not pk_set:
        return
    group, _ = Group.objects.get_or_create(name=BACK_OFFICE)
    if reverse:
        instance.groups.add(group)
    else:
        group.user_set.add(*pk_set)
