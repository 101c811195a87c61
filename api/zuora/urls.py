from django.urls import include, path, re_path

from api.zuora import views

urlpatterns = [
    path("object/account", views.AccountCreateView.as_view(), name="zuora-account-create"),
    path("object/account/<str:object_id>", views.AccountView.as_view(), name="zuora-account"),
    path("object/invoice/<str:object_id>", views.InvoiceView.as_view(), name="zuora-invoice"),
    path("object/payment", views.PaymentCreateView.as_view(), name="zuora-payment-create"),
    path("object/payment/<str:object_id>", views.PaymentView.as_view(), name="zuora-payment"),
    path(
        "object/invoice-payment",
        views.InvoicePaymentCreateView.as_view(),
        name="zuora-invoice-payment-create",
    ),
    path(
        "object/invoice-payment/<str:object_id>",
        views.InvoicePaymentView.as_view(),
        name="zuora-invoice-payment",
    ),
    path("object/refund", views.RefundCreateView.as_view(), name="zuora-refund-create"),
    path("object/refund/<str:object_id>", views.RefundView.as_view(), name="zuora-refund"),
    # The Invoice Settlement API: /v1/accounts, /v1/invoices, /v1/payments, /v1/refunds.
    path("", include("api.zuora.settlement.urls")),
    # Last: anything else under /v1/ is Zuora's 404, in JSON, whatever DEBUG says. Routes go above it.
    re_path(r"^.*$", views.not_found, name="zuora-not-found"),
]
