from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/token/", views.LoginTokenView.as_view(), name="login_token"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("2fa/", views.TwoFactorView.as_view(), name="twofactor"),
]
