"""Login in two steps (password, then a TOTP code for users who turned two-factor login on) and the
page where a user turns two-factor login on or off.

After the password step the session is logged in but not *verified*; ``accounts.middleware`` keeps such
a session away from every non-public page except the token step and logout."""

from base64 import b32encode

import django_otp
import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, login as auth_login
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import View

from . import services
from .forms import LoginForm, TokenForm


def _safe_next(request, default=None) -> str:
    candidate = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default or resolve_url(settings.LOGIN_REDIRECT_URL)


def token_step_url(next_url: str) -> str:
    return f"{reverse('accounts:login_token')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}"


class LoginView(auth_views.LoginView):
    """Step 1: username and password (throttled by django-axes). A user with a confirmed TOTP device
    continues to the token step; everyone else is done."""

    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = False

    def form_valid(self, form):
        user = form.get_user()
        auth_login(self.request, user)
        services.login_record(user=user, step="password")
        if services.totp_confirmed_device(user) is not None:
            return HttpResponseRedirect(token_step_url(self.get_success_url()))
        return HttpResponseRedirect(self.get_success_url())


class LoginTokenView(View):
    """Step 2: the code from the authenticator app. Marks the session verified (django-otp) and gives
    it a new session key, since its privileges just grew."""

    template_name = "accounts/login_token.html"

    def dispatch(self, request, *args, **kwargs):
        self.device = services.totp_confirmed_device(request.user)
        self.next_url = _safe_next(request)
        if self.device is None or request.user.is_verified():
            return redirect(self.next_url)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return self._render(TokenForm(device=self.device))

    def post(self, request):
        form = TokenForm(request.POST, device=self.device)
        if not form.is_valid():
            return self._render(form)
        request.session.cycle_key()
        django_otp.login(request, self.device)
        services.login_record(user=request.user, step="otp")
        return redirect(self.next_url)

    def _render(self, form):
        return render(self.request, self.template_name, {
            "form": form, "next": self.next_url, "redirect_field_name": REDIRECT_FIELD_NAME,
        })


class TwoFactorView(View):
    """Turn two-factor login on (start → scan the QR code → confirm with a code) or off (with a code).

    POST carries ``action``: ``start``, ``confirm``, ``cancel`` or ``disable``."""

    template_name = "accounts/twofactor.html"

    def get(self, request):
        return self._render()

    def post(self, request):
        action = request.POST.get("action")
        user = request.user
        if action == "start" and services.totp_confirmed_device(user) is None:
            services.totp_setup_start(user=user)
            return redirect("accounts:twofactor")
        if action == "cancel":
            services.totp_setup_cancel(user=user)
            return redirect("accounts:twofactor")
        if action == "confirm":
            device = services.totp_pending_device(user)
            if device is None:
                return redirect("accounts:twofactor")
            form = TokenForm(request.POST, device=device)
            if not form.is_valid():
                return self._render(confirm_form=form)
            device = services.totp_setup_confirm(device=device, by=user)
            # This session just proved possession of the device: count it as verified.
            django_otp.login(request, device)
            messages.success(request, _("两步验证已开启。今后登录时，输入密码后还需输入验证器中的动态验证码。"))
            return redirect("accounts:twofactor")
        if action == "disable":
            device = services.totp_confirmed_device(user)
            if device is None:
                return redirect("accounts:twofactor")
            form = TokenForm(request.POST, device=device)
            if not form.is_valid():
                return self._render(disable_form=form)
            services.totp_disable(user=user, by=user)
            messages.success(request, _("两步验证已关闭。"))
            return redirect("accounts:twofactor")
        return redirect("accounts:twofactor")

    def _render(self, *, confirm_form=None, disable_form=None):
        user = self.request.user
        confirmed = services.totp_confirmed_device(user)
        pending = None if confirmed else services.totp_pending_device(user)
        context = {"confirmed": confirmed, "pending": pending}
        if confirmed is not None:
            context["disable_form"] = disable_form or TokenForm(device=confirmed)
        elif pending is not None:
            context["confirm_form"] = confirm_form or TokenForm(device=pending)
            # segno writes the SVG itself from the otpauth:// URL; nothing user-supplied is in it.
            context["qr_svg"] = mark_safe(segno.make(pending.config_url, error="m").svg_inline(scale=4))
            secret = b32encode(pending.bin_key).decode()
            context["secret"] = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
        return render(self.request, self.template_name, context)
