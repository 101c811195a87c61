from django.urls import path

from invoices import views

urlpatterns = [
    path("<str:code>", views.payment_link_page, name="payment-link"),
]
