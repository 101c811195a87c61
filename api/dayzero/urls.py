from django.urls import path

from api.dayzero import views

urlpatterns = [
    path("accounts", views.AccountsView.as_view(), name="dayzero-accounts"),
    path("accounts/<str:account_id>", views.AccountView.as_view(), name="dayzero-account"),
]
