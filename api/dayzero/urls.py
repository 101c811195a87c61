from django.urls import path

from api.dayzero import views

urlpatterns = [
    path("accounts", views.AccountsView.as_view(), name="dayzero-accounts"),
    path("accounts/<str:account_id>", views.AccountView.as_view(), name="dayzero-account"),
    path("invoices", views.InvoicesView.as_view(), name="dayzero-invoices"),
    path("invoices/<str:invoice_id>", views.InvoiceView.as_view(), name="dayzero-invoice"),
    path(
        "invoices/<str:invoice_id>/finalize",
        views.InvoiceFinalizeView.as_view(),
        name="dayzero-invoice-finalize",
    ),
    path("invoices/<str:invoice_id>/void", views.InvoiceVoidView.as_view(), name="dayzero-invoice-void"),
    path(
        "invoices/<str:invoice_id>/payments",
        views.InvoicePaymentsView.as_view(),
        name="dayzero-invoice-payments",
    ),
    path(
        "invoices/<str:invoice_id>/payments/<str:payment_id>",
        views.InvoicePaymentView.as_view(),
        name="dayzero-invoice-payment",
    ),
    path("transactions", views.TransactionsView.as_view(), name="dayzero-transactions"),
    path("transactions/<str:transaction_id>", views.TransactionView.as_view(), name="dayzero-transaction"),
]
