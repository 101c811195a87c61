"""The back office's dashboard: a clerk's businesses at a glance. Open receivables by how far past due,
payments received per day, money received and not applied yet. Read-only: every figure comes from
payments.selectors over the businesses the user works on."""

from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils import timezone

from payments.selectors import AGE_BUCKETS, RECEIVED_DAYS, dashboard_figures
from tenants.admin_lists import money
from tenants.models import Business


def dashboard(request):
    """The page (config/urls.py serves it through the admin site's login)."""
    businesses = admin.site.get_model_admin(Business).get_queryset(request)  # the user's, as its list
    figures = dashboard_figures(
        business_ids=list(businesses.values_list("pk", flat=True)), today=timezone.localdate()
    )
    context = {
        **admin.site.each_context(request),
        "title": "Dashboard",
        "buckets": [label for _, label in AGE_BUCKETS],
        "receivables": [
            (
                row["business_name"],
                row["currency"],
                [money(row[key], row["currency"]) for key, _ in AGE_BUCKETS],
                money(row["total"], row["currency"]),
            )
            for row in figures.receivables
        ],
        "received_days": RECEIVED_DAYS,
        "received": [
            (row["day"], row["business_name"], row["count"], money(row["amount"], row["currency"]))
            for row in figures.received
        ],
        "unapplied": [
            (row["business_name"], row["count"], money(row["amount"], row["currency"]))
            for row in figures.unapplied
        ],
    }
    return TemplateResponse(request, "admin/back_office/dashboard.html", context)
