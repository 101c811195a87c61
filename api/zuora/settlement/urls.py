from django.urls import path

from api.zuora.settlement import views

urlpatterns = [
    path("accounts", views.AccountsView.as_view(), name="zuora-accounts"),
    path("accounts/<str:account_key>", views.AccountView.as_view(), name="zuora-account-key"),
    path("invoices", views.InvoicesView.as_view(), name="zuora-invoices"),
    path("invoices/<str:invoice_key>", views.InvoiceView.as_view(), name="zuora-invoice-key"),
    path("invoices/<str:invoice_key>/items", views.InvoiceItemsView.as_view(), name="zuora-invoice-items"),
    path(
        "invoices/<str:invoice_key>/application-parts",
        views.InvoiceApplicationPartsView.as_view(),
        name="zuora-invoice-application-parts",
    ),
    path("invoices/<str:invoice_key>/post", views.InvoicePostView.as_view(), name="zuora-invoice-post"),
    path("invoices/<str:invoice_key>/cancel", views.InvoiceCancelView.as_view(), name="zuora-invoice-cancel"),
    path("payments", views.PaymentsView.as_view(), name="zuora-payments"),
    path("payments/<str:payment_key>", views.PaymentView.as_view(), name="zuora-payment-key"),
    path("payments/<str:payment_key>/apply", views.PaymentApplyView.as_view(), name="zuora-payment-apply"),
    path(
        "payments/<str:payment_key>/unapply", views.PaymentUnapplyView.as_view(), name="zuora-payment-unapply"
    ),
    path("payments/<str:payment_key>/cancel", views.PaymentCancelView.as_view(), name="zuora-payment-cancel"),
    path("payments/<str:payment_key>/parts", views.PaymentPartsView.as_view(), name="zuora-payment-parts"),
    path(
        "payments/<str:payment_key>/parts/<str:part_id>",
        views.PaymentPartView.as_view(),
        name="zuora-payment-part",
    ),
    path(
        "payments/<str:payment_key>/refunds", views.PaymentRefundsView.as_view(), name="zuora-payment-refunds"
    ),
    path(
        "payments/<str:payment_key>/refunds/unapply",
        views.PaymentRefundWithUnapplyView.as_view(),
        name="zuora-payment-refund-unapply",
    ),
    path("refunds", views.RefundsView.as_view(), name="zuora-refunds"),
    path("refunds/<str:refund_key>", views.RefundView.as_view(), name="zuora-refund-key"),
    path("refunds/<str:refund_key>/parts", views.RefundPartsView.as_view(), name="zuora-refund-parts"),
]
