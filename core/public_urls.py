"""Routes of the public site (no login). Namespace ``public``."""

from django.urls import include, path

from markets import views as market_views

from . import views

app_name = "public"

urlpatterns = [
    path("", views.home, name="home"),
    path("markets/", market_views.market_list, name="market_list"),
    path("markets/<slug:code>/", market_views.market_detail, name="market_detail"),
    path("markets/<slug:code>/poster/", market_views.market_poster, name="market_poster"),
    path("", include("casework.public_urls")),  # complaint intake, tracking, surveys
]
