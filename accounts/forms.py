"""Login and two-factor forms. Labels and errors are Chinese msgids (STYLE: Chinese first)."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """The password step. Django's form passes ``request`` to ``authenticate`` (django-axes needs it to
    count failures per username and IP)."""

    username = forms.CharField(
        label=_("用户名"), max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        "invalid_login": _("用户名或密码不正确。请注意两者都区分大小写；连续多次输入错误将被暂时锁定。"),
        "inactive": _("该账户已停用，请联系系统管理员。"),
    }


class TokenForm(forms.Form):
    """A six-digit code from the user's authenticator app, checked against one TOTP device.

    django-otp's ``verify_token`` enforces its own throttling (growing delays after failures) and
    refuses a code already used, so a code seen over a shoulder cannot be replayed."""

    token = forms.CharField(
        label=_("动态验证码"), min_length=6, max_length=8,
        widget=forms.TextInput(attrs={
            "autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]*", "autofocus": True,
        }),
        help_text=_("打开手机上的身份验证器应用，输入显示的6位数字。"),
    )

    def __init__(self, *args, device, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_token(self):
        token = self.cleaned_data["token"].strip().replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError(_("验证码只能包含数字。"), code="token_format")
        allowed, _details = self.device.verify_is_allowed()
        if not allowed:
            raise forms.ValidationError(_("验证码错误次数过多，请稍候再试。"), code="token_throttled")
        if not self.device.verify_token(token):
            raise forms.ValidationError(_("验证码不正确或已使用，请输入验证器中当前显示的验证码。"),
                                        code="token_invalid")
        return token
