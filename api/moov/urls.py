from django.urls import path, re_path

from api.moov import views

urlpatterns = [
    path("<str:account_id>/invoices", views.InvoicesView.as_view(), name="moov-invoices"),
    path("<str:account_id>/invoices/<str:invoice_id>", views.InvoiceView.as_view(), name="moov-invoice"),
    path(
        "<str:account_id>/invoices/<str:invoice_id>/notifications",
        views.InvoiceNotificationsView.as_view(),
        name="moov-invoice-notifications",
    ),
    path(
        "<str:account_id>/invoices/<str:invoice_id>/payments",
        views.InvoicePaymentsView.as_view(),
        name="moov-invoice-payments",
    ),
    path("<str:account_id>/payment-links", views.PaymentLinksView.as_view(), name="moov-payment-links"),
    path(
        "<str:account_id>/payment-links/<str:link_code>",
        views.PaymentLinkView.as_view(),
        name="moov-payment-link",
    ),
    # Anything else under /accounts/ is Moov's 404, in JSON, whatever DEBUG says.
    re_path(r"^.*$", views.not_found, name="moov-not-found"),
]
