"""What every back-office list shows and carries (tenants.admin.TenantScopedAdmin): money set out with its
currency, newest rows first, no Business column or filter for a clerk of one business, totals of its
money columns under the filtered rows, its tools, and the CSV export of the filtered rows, streamed."""

import csv
import html
from collections.abc import Iterator

from django.contrib import admin
from django.contrib.admin.utils import label_for_field, lookup_field
from django.core.exceptions import PermissionDenied
from django.db.models import F, Sum
from django.http import StreamingHttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import capfirst

from core.money import ZERO, plain
from tenants.models import Business

# Django's plain relation filter lists every business; this one only those in the rows the user sees.
BY_BUSINESS = ("business", admin.RelatedOnlyFieldListFilter)

# Rows an export reads from the database at a time: its memory stays that of one chunk, whatever the rows.
EXPORT_CHUNK = 2000


def money(amount, currency: str) -> str:
    return f"{plain(amount, currency)} {currency}"


class _Echo:
    """A file that hands back what is written to it: csv.writer's rows, one at a time, for streaming."""

    def write(self, value: str) -> str:
        return value


class BackOfficeList:
    """The lists' part of TenantScopedAdmin (a ModelAdmin mixin)."""

    # Summed under the list, per currency: (label, field or expression); the currency's lookup.
    totals: tuple[tuple[str, object], ...] = ()
    totals_currency: str = "currency"

    def get_ordering(self, request):
        """Newest first, unless the admin says otherwise."""
        if self.ordering:
            return self.ordering
        names = {field.name for field in self.opts.fields}
        return next((("-" + name,) for name in ("created_at", "created") if name in names), ())

    # --- one business or several ---------------------------------------------------------------------

    def sees_several_businesses(self, request) -> bool:
        """Whether the user works on more than one business: a Business column or filter would otherwise
        repeat one name on every row."""
        several = getattr(request, "_several_businesses", None)
        if several is None:
            businesses = Business.objects.all() if request.user.is_superuser else request.user.businesses
            several = request._several_businesses = businesses.count() > 1
        return several

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        return shown if self.sees_several_businesses(request) else [n for n in shown if n != "business"]

    def get_list_filter(self, request):
        filters = super().get_list_filter(request)
        return filters if self.sees_several_businesses(request) else [f for f in filters if f != BY_BUSINESS]

    # --- lists: totals, tools and the CSV export -----------------------------------------------------

    def list_tools(self, request) -> list[tuple[str, str]]:
        """Links above the list besides the export: (url, label)."""
        return []

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        cl = getattr(response, "context_data", {}).get("cl")
        if cl is not None:
            opts = self.opts
            response.context_data["totals"] = self.totals_of(cl.queryset)
            response.context_data["list_tools"] = [
                *self.list_tools(request),
                (
                    reverse(f"admin:{opts.app_label}_{opts.model_name}_export") + cl.get_query_string(),
                    "Export CSV",
                ),
            ]
        return response

    def totals_of(self, queryset) -> list[dict]:
        """The `totals` of the rows, one row per currency: {"currency", "values": [(label, shown)]}."""
        if not self.totals:
            return []
        sums = {f"total_{i}": Sum(field, default=ZERO) for i, (_, field) in enumerate(self.totals)}
        grouped = (
            queryset.order_by()
            .values(total_currency=F(self.totals_currency))
            .annotate(**sums)
            .order_by("total_currency")
        )
        return [
            {
                "currency": row["total_currency"],
                "values": [
                    (label, money(row[f"total_{i}"], row["total_currency"]))
                    for i, (label, _) in enumerate(self.totals)
                ],
            }
            for row in grouped
        ]

    def get_urls(self):
        opts = self.opts
        name = f"{opts.app_label}_{opts.model_name}"
        export = path("export.csv", self.admin_site.admin_view(self.export_view), name=f"{name}_export")
        return [export, *self.page_urls(name), *super().get_urls()]

    def page_urls(self, name: str) -> list:
        """The admin's own pages besides Django's (a form), named after `name`."""
        return []

    def export_view(self, request):
        """The list as it is filtered, searched and sorted, as CSV: every row, not one page, streamed from a
        server-side cursor so that memory holds one chunk of rows at a time."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        cl = self.get_changelist_instance(request)
        columns = [name for name in cl.list_display if name != "action_checkbox"]
        writer = csv.writer(_Echo())

        def lines() -> Iterator[str]:
            yield writer.writerow([capfirst(label_for_field(name, self.model, self)) for name in columns])
            for obj in cl.queryset.iterator(chunk_size=EXPORT_CHUNK):
                yield writer.writerow([self.export_cell(obj, name) for name in columns])

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        filename = f"{self.opts.verbose_name_plural.replace(' ', '-')}-{stamp}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def export_cell(self, obj, name: str) -> str:
        """A list cell as text: what the list shows, without its link."""
        field, _, value = lookup_field(name, obj, self)
        if value is None:
            return ""
        if field is not None and getattr(field, "choices", None):
            value = dict(field.flatchoices).get(value, value)
        return html.unescape(strip_tags(str(value)))
