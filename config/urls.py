"""URL map: the public site at /, the staff frontend (viewflow Material Site) at /staff/, Django admin at
/admin/ for reference data. Every route must appear in tests/accounts/test_scoping_routes.py."""

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog, set_language

from .site import site

urlpatterns = [
    path("", include("core.public_urls")),
    path("accounts/", include("accounts.urls")),
    path("staff/", site.urls),
    path("files/", include("core.urls")),
    path("admin/", admin.site.urls),
    # The language switch is used on the public site too, so it must not require a login.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    # Translations for viewflow's JavaScript (calendar names, selection counter); viewflow's base page
    # loads it by this URL name. Public: the login page loads it too.
    path("jsi18n/", login_not_required(JavaScriptCatalog.as_view()), name="javascript-catalog"),
]
