from django.urls import path

from api.moov import views

urlpatterns = [
    path("<str:account_id>/invoices", views.InvoicesView.as_view(), name="moov-invoices"),
    path("<str:account_id>/invoices/<str:invoice_id>", views.InvoiceView.as_view(), name="moov-invoice"),
    path(
        "<str:account_id>/invoices/<str:invoice_id>/payments",
        views.InvoicePaymentsView.as_view(),
        name="moov-invoice-payments",
    ),
]
