"""The back office: the Django admin as the staff's working tool.

Staff users are assigned to businesses (Business.staff) and see only those; superusers see all.
TenantScopedAdmin is the one place that rule lives: lists, searches, filters, autocompletes, change pages,
form choices and actions all start from its get_queryset, so another business's row is as absent as one
that does not exist. Money moves only through actions whose forms call one service each (payments/admin.py).
"""

import functools

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation, helpers
from django.contrib.admin.utils import quote
from django.contrib.auth import get_permission_codename
from django.db.models import Model
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import (
    get_access_token_model,
    get_grant_model,
    get_id_token_model,
    get_refresh_token_model,
)

from core.errors import ApplicationError, Invalid
from core.money import currency_validate
from tenants.admin_lists import BY_BUSINESS, BackOfficeList
from tenants.models import ALL_SCOPES, Account, ApiClient, Business, Entity, TenantOwned
from tenants.services import api_client_revoke, business_provision, staff_context

# Actions offered on a list (for the selected rows) and on an object's own page.
EVERYWHERE = [ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM]
# Set on the intermediate page's submit button: the action's form was filled in, not just asked for.
CONFIRM = "confirm"


def admin_link(model: type[Model] | str, pk, text) -> str:
    """A link to a row's admin page, built from its primary key alone (no query). `model` may be named by
    its label ("invoices.Invoice"), so a lower layer can link to a page of a higher one."""
    opts = (apps.get_model(model) if isinstance(model, str) else model)._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[quote(pk)])
    return format_html('<a href="{}">{}</a>', url, text)


def entity_label(entity: Entity) -> str:
    return f"{entity.business} · {entity}"


class TenantScopedAdmin(BackOfficeList, admin.ModelAdmin):
    """Shows a staff user only the rows of their businesses, everywhere the admin reads rows.

    Its lists also carry what a clerk reports with (tenants.admin_lists): totals of their money columns
    under the filtered rows (`totals`), and an export of the filtered rows as CSV, streamed.
    """

    change_list_template = "admin/back_office/change_list.html"
    # The lookup from this model to its Business.
    business_lookup = "business"
    # Read-only values that exist once the row does (ids, dates): an add page would show unsaved ones.
    record_fields: tuple[str, ...] = ()
    # Chosen when the row is created, read-only afterwards.
    fixed_fields: tuple[str, ...] = ()

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.business_lookup}__in": request.user.businesses.values("pk")})

    # --- pages of one form ---------------------------------------------------------------------------

    def form_page(self, request, form, *, title: str, formset=None, obj=None, intro: str = ""):
        """A page of one form (and its lines) whose `submit(context_for)` makes the service calls and
        returns what it did and where to go next. A refusal shows the service's message on the form."""
        if request.method == "POST" and form.is_valid() and (formset is None or formset.is_valid()):
            try:
                done, url = form.submit(functools.cache(functools.partial(self.staff_context, request)))
            except ApplicationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                self.message_user(request, done, messages.SUCCESS)
                return HttpResponseRedirect(url)
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "intro": intro,
            "opts": self.opts,
            "original": obj,
            "form": form,
            "formset": formset,
            "media": self.media + form.media + (formset.media if formset is not None else forms.Media()),
        }
        return TemplateResponse(request, "admin/back_office/form_page.html", context)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return fields if obj else [name for name in fields if name not in self.record_fields]

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, *self.record_fields, *(self.fixed_fields if obj else ()))

    def get_field_queryset(self, db, db_field, request):
        # Choices in forms, and the validation of what is posted, come from the related model's scoped
        # admin; a tenant's model without one offers nothing rather than every tenant's rows.
        model = db_field.remote_field.model
        related = self.admin_site.get_model_admin(model) if self.admin_site.is_registered(model) else None
        if isinstance(related, TenantScopedAdmin):
            return related.get_queryset(request)
        if issubclass(model, TenantOwned):
            return model.objects.none()
        return super().get_field_queryset(db, db_field, request)

    def describe(self, obj) -> str:
        """How a row is named in an action's messages."""
        return str(obj)

    def staff_context(self, request, business_id):
        return staff_context(user=request.user, business_id=business_id, request_id=request.request_id)

    def run_service(self, request, queryset, call, *, done: str) -> None:
        """Calls `call(ctx, obj)` (one service call) for each selected row and reports how many succeeded
        and, for each row a rule refused, the service's own message."""
        context_for = functools.cache(functools.partial(self.staff_context, request))
        succeeded = 0
        for obj in queryset:
            try:
                call(context_for(obj.business_id), obj)
            except ApplicationError as exc:
                self.message_user(request, f"{self.describe(obj)}: {exc.message}", messages.ERROR)
            else:
                succeeded += 1
        self.report(request, done, succeeded)

    def report(self, request, done: str, count: int) -> None:
        if count:
            name = self.opts.verbose_name if count == 1 else self.opts.verbose_name_plural
            self.message_user(request, f"{done}: {count} {name}.", messages.SUCCESS)

    def form_action(self, request, queryset, form_class, *, action: str):
        """An action on one row through an intermediate form (see ActionForm).

        The form posts back to the page the action came from (list or change page) with the action's
        name, until its service call succeeds; a refusal shows the service's message above the form as
        it was filled in.
        """
        rows = list(queryset[:2])
        if len(rows) != 1:
            self.message_user(request, "Select exactly one row for this action.", messages.WARNING)
            return None
        obj = rows[0]
        form = form_class(
            request.POST if CONFIRM in request.POST else None,
            ctx=self.staff_context(request, obj.business_id),
            obj=obj,
        )
        if form.is_valid():
            try:
                done = form.submit()
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(request, done, messages.SUCCESS)
                return None
        change_form_field = f"{ActionLocation.CHANGE_FORM.value}-action"
        context = {
            **self.admin_site.each_context(request),
            "title": form.title,
            "opts": self.opts,
            "object": obj,
            "object_label": self.describe(obj),
            "form": form,
            "confirm": CONFIRM,
            "action": action,
            "action_field": change_form_field if change_form_field in request.POST else "action",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "back_url": request.get_full_path(),
        }
        return TemplateResponse(request, "admin/action_form.html", context)


class ActionForm(forms.Form):
    """The input of one action on one row. Subclasses define `submit()`: the one service call, returning
    what it did for the user's message."""

    title = ""
    submit_label = "Confirm"

    def __init__(self, data, *, ctx, obj):
        super().__init__(data)
        self.ctx = ctx
        self.obj = obj


class ReadOnlyAdmin(TenantScopedAdmin):
    """Rows the admin shows but never adds, edits or deletes: the ledger, its side effects, the records.

    Actions that call a service are what change them; running one needs the model's change permission
    (`permissions=["operate"]`), though the form itself stays read-only.
    """

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_operate_permission(self, request):
        return request.user.has_perm(f"{self.opts.app_label}.{get_permission_codename('change', self.opts)}")

    def get_urls(self):
        # The ledger events are the one record of what happened to these rows: no second one (Django's
        # history of admin changes, which would only ever list the actions' names).
        return [url for url in super().get_urls() if not url.name or not url.name.endswith("_history")]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return super().change_view(
            request, object_id, form_url, {"show_history": False, **(extra_context or {})}
        )


class ReadOnlyInline(admin.TabularInline):
    """An object's related rows on its page, read-only; `select_related` keeps it to one query."""

    template = "admin/edit_inline/read_only.html"
    extra = 0
    can_delete = False
    show_change_link = True
    select_related: tuple[str, ...] = ()

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset.select_related(*self.select_related) if self.select_related else queryset

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def show_secret_once(request, client: ApiClient, secret: str) -> None:
    # The secret is stored hashed: this message is the only time anyone sees it.
    messages.warning(
        request,
        f"Client secret of {client.client_id}: {secret} (copy it now: it is stored hashed and "
        "cannot be shown again).",
    )


# django-oauth-toolkit registers its own admin for the application model (ours is below) and for tokens
# and grants. Tokens are stored as checksums and end with their client (revoke it): those pages would
# only list every tenant's rows.
for model in (
    ApiClient,
    get_access_token_model(),
    get_refresh_token_model(),
    get_grant_model(),
    get_id_token_model(),
):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


class CurrencyForm(forms.ModelForm):
    def clean_currency(self):
        try:
            return currency_validate(self.cleaned_data["currency"])
        except Invalid as exc:
            raise forms.ValidationError(exc.message) from exc


@admin.register(Business)
class BusinessAdmin(TenantScopedAdmin):
    business_lookup = "pk"
    ordering = ("name",)
    list_display = ("name", "currency", "id", "created_at")
    search_fields = ("name",)
    search_help_text = "Business name"
    form = CurrencyForm
    filter_horizontal = ("staff",)
    fields = ("name", "currency", "id", "created_at", "updated_at", "staff")
    record_fields = ("id", "created_at", "updated_at")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "staff":
            # Staff users only: assigning one gives them the back-office group (payments.roles).
            kwargs["queryset"] = db_field.remote_field.model.objects.filter(is_staff=True, is_active=True)
            kwargs["help_text"] = "Staff users only; each one assigned gets the Back office group."
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        # Only superusers assign staff to businesses.
        return fields if request.user.is_superuser else [name for name in fields if name != "staff"]

    def has_add_permission(self, request):
        # A staff user would not see a business they created; superusers provision them.
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        # A new business is provisioned as `provision_tenant` does it: with its default entity and an
        # API client. The form's object becomes the new row, so that its staff and the redirect follow.
        provisioned = business_provision(name=obj.name, currency=obj.currency)
        obj.pk = provisioned.business.pk
        obj.refresh_from_db()
        show_secret_once(request, provisioned.client, provisioned.client_secret)


@admin.register(Entity)
class EntityAdmin(TenantScopedAdmin):
    list_display = ("name", "business", "is_default", "id", "created_at")
    list_select_related = ("business",)
    list_filter = (BY_BUSINESS, "is_default")
    search_fields = ("name", "business__name")
    search_help_text = "Entity or business name"
    autocomplete_fields = ("business",)
    fields = ("business", "name", "is_default", "id", "created_at")
    # The default entity is chosen at provisioning; an entity never moves to another business.
    record_fields = ("is_default", "id", "created_at")
    fixed_fields = ("business",)

    def get_queryset(self, request):
        # Entities are shown with their business's name in other admins' choices.
        return super().get_queryset(request).select_related("business")


@admin.register(Account)
class AccountAdmin(TenantScopedAdmin):
    form = CurrencyForm
    list_display = ("name", "business", "entity", "email", "currency", "created_at")
    list_select_related = ("business", "entity")
    list_filter = (BY_BUSINESS, "currency", "created_at")
    search_fields = ("name", "email", "id__exact")
    search_help_text = "Account name, email or id"
    fields = ("entity", "name", "email", "currency", "business", "id", "created_at", "updated_at")
    record_fields = ("business", "id", "created_at", "updated_at")
    # Invoices and payments follow an account's entity and currency.
    fixed_fields = ("entity", "currency")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "entity":
            field.label_from_instance = entity_label
        return field

    def save_model(self, request, obj, form, change):
        obj.business_id = obj.entity.business_id
        super().save_model(request, obj, form, change)


class ApiClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=[(scope, scope) for scope in ALL_SCOPES],
        widget=forms.CheckboxSelectMultiple,
        initial=ALL_SCOPES,
    )

    class Meta:
        model = ApiClient
        fields = ("business", "name", "all_entities", "entities", "scopes", "is_active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["scopes"] = self.instance.scope_list

    def clean_scopes(self):
        return " ".join(self.cleaned_data["scopes"])

    def clean(self):
        cleaned = super().clean()
        # The business is chosen on creation only (read-only afterwards).
        business_id = cleaned["business"].pk if cleaned.get("business") else self.instance.business_id
        strangers = [e for e in cleaned.get("entities") or () if e.business_id != business_id]
        if business_id and strangers:
            names = ", ".join(map(str, strangers))
            self.add_error("entities", f"Not entities of this client's business: {names}.")
        return cleaned


@admin.register(ApiClient)
class ApiClientAdmin(TenantScopedAdmin):
    form = ApiClientForm
    list_display = ("name", "client_id", "business", "scopes", "is_active", "created")
    list_select_related = ("business",)
    list_filter = (BY_BUSINESS, "is_active", "created")
    search_fields = ("name", "client_id")
    search_help_text = "Client name or client id"
    autocomplete_fields = ("business",)
    fields = ("business", "name", "client_id", "all_entities", "entities", "scopes", "is_active", "created")
    record_fields = ("client_id", "created")
    fixed_fields = ("business",)
    actions = ("revoke",)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "entities":
            kwargs["widget"] = forms.CheckboxSelectMultiple
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "entities":
            field.label_from_instance = entity_label
        return field

    def save_model(self, request, obj, form, change):
        secret = None
        if not change:
            obj.client_type = ApiClient.CLIENT_CONFIDENTIAL
            obj.authorization_grant_type = ApiClient.GRANT_CLIENT_CREDENTIALS
            obj.client_secret = secret = generate_client_secret()
        super().save_model(request, obj, form, change)
        if secret:
            show_secret_once(request, obj, secret)

    @admin.action(
        description="Revoke this client: its tokens stop at once",
        description_plural="Revoke the selected API clients: their tokens stop at once",
        permissions=["change"],
        location=EVERYWHERE,
    )
    def revoke(self, request, queryset):
        revoked = 0
        for client in queryset.filter(is_active=True):
            if api_client_revoke(client=client):
                self.log_change(request, client, "Revoked")
                revoked += 1
        self.report(request, "Revoked", revoked)
