from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from api.health import healthz, index, readyz
from api.moov import tokens as moov_tokens
from api.oauth import TokenView
from api.observability import metrics
from api.zuora import views as zuora_views
from payments.dashboard import dashboard

admin.site.site_header = "Invoice payments · back office"
admin.site.site_title = "Back office"
admin.site.index_title = "Work, find, see, report"
# The lists get the whole width: the breadcrumbs and the home page lead everywhere the sidebar did.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path("", index, name="index"),
    path("admin/dashboard/", admin.site.admin_view(dashboard), name="admin-dashboard"),
    path("admin/", admin.site.urls),
    path("oauth/token", TokenView.as_view(), name="oauth-token"),
    # Anything else under /oauth/ is Zuora's 404 in JSON, as under /v1/ (api/zuora/urls.py).
    re_path(r"^oauth/", zuora_views.not_found, name="zuora-oauth-not-found"),
    path("oauth2/token", moov_tokens.TokenView.as_view(), name="moov-oauth2-token"),
    path("oauth2/revoke", moov_tokens.RevokeView.as_view(), name="moov-oauth2-revoke"),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/v1/", include("api.dayzero.urls")),
    path("v1/", include("api.zuora.urls")),
    path("accounts/", include("api.moov.urls")),
    path("pay/", include("invoices.urls")),
]

handler404 = "api.errors.handler404"
handler500 = "api.errors.handler500"
