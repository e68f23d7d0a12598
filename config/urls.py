"""URL map: the public site at /, the staff frontend (viewflow Material Site) at /staff/, Django admin at
/admin/ for reference data. Every route must appear in tests/accounts/test_scoping_routes.py."""

from django.contrib import admin
from django.urls import include, path

from .site import site

urlpatterns = [
    path("", include("core.public_urls")),
    path("accounts/", include("accounts.urls")),
    path("staff/", site.urls),
    path("files/", include("core.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
