"""Second-factor enforcement: a logged-in session whose user has a confirmed TOTP device must pass the
token step before any non-public page answers.

Place after ``django_otp.middleware.OTPMiddleware`` (which gives ``request.user.is_verified()``).
Public views (``@login_not_required``) stay reachable, so the public site and the login page work
for a half-logged-in session; everything else — /staff/, /files/, /admin/, /accounts/2fa/ — redirects
to the token step. Checking the view rather than a path prefix means a new staff route is covered
without anyone remembering to list it here."""

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp import user_has_device

#: Views a verified-pending session may reach: the token step itself and logout.
EXEMPT_URL_NAMES = frozenset({"accounts:login_token", "accounts:logout"})


class OTPRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(view_func, "login_required", True):
            return None  # a public page
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified():
            return None
        match = request.resolver_match
        if match is not None and match.view_name in EXEMPT_URL_NAMES:
            return None
        # One indexed query, only for logged-in sessions that have not passed the token step.
        if not user_has_device(user, confirmed=True):
            return None
        url = reverse("accounts:login_token")
        return redirect(f"{url}?{urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})}")
