"""Staff login: password step, the TOTP token step for users who turned two-factor login on, turning it
on and off, and django-axes lock-out after repeated failures."""

import time

import pytest
from django.conf import settings
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import AuditEvent

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"  # tests/factories.py UserFactory
STAFF_PAGE = "/staff/markets/market/"


def totp_token(device, *, steps_ahead=0) -> str:
    """A currently valid code for ``device``, as the user's authenticator app would show it."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def login(client, username, password=PASSWORD, next_url=None):
    url = reverse("accounts:login")
    if next_url:
        url += f"?next={next_url}"
    return client.post(url, {"username": username, "password": password})


@pytest.fixture
def device(official):
    return TOTPDevice.objects.create(user=official, name="手机", confirmed=True)


def test_login_page_is_a_chinese_form(client, db):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "用户名" in html and "密码" in html


def test_wrong_password_shows_a_chinese_error_and_does_not_log_in(client, official):
    response = login(client, "t_district", "wrong-password")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_user_without_device_is_logged_in_after_the_password(client, official):
    response = login(client, "t_district", next_url=STAFF_PAGE)
    assert response.status_code == 302 and response["Location"] == STAFF_PAGE
    assert client.get(STAFF_PAGE).status_code == 200
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN, name="password",
                                     object_id=str(official.pk)).exists()


def test_login_refuses_an_offsite_next_url(client, official):
    response = login(client, "t_district", next_url="https://evil.example.com/")
    assert response["Location"] == settings.LOGIN_REDIRECT_URL


def test_user_with_device_goes_to_the_token_step_after_the_password(client, device):
    response = login(client, "t_district", next_url=STAFF_PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login_token"))
    assert "next=%2Fstaff%2Fmarkets%2Fmarket%2F" in response["Location"]
    page = client.get(response["Location"])
    assert page.status_code == 200 and "动态验证码" in page.content.decode()


@pytest.mark.parametrize("path", [STAFF_PAGE, "/staff/", "/accounts/2fa/", "/admin/"])
def test_unverified_session_is_sent_back_to_the_token_step(client, device, path):
    login(client, "t_district")
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login_token"))


def test_unverified_session_still_reaches_public_pages(client, device):
    login(client, "t_district")
    assert client.get(reverse("public:market_list")).status_code == 200


def test_wrong_token_is_refused_and_the_session_stays_unverified(client, device):
    login(client, "t_district")
    good = totp_token(device)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    response = client.post(reverse("accounts:login_token"), {"token": wrong, "next": STAFF_PAGE})
    assert response.status_code == 200
    assert "验证码不正确" in response.content.decode()
    assert client.get(STAFF_PAGE).status_code == 302


def test_valid_token_verifies_the_session_and_opens_staff_pages(client, device, official):
    login(client, "t_district")
    session_key_before = client.session.session_key
    response = client.post(reverse("accounts:login_token"), {"token": totp_token(device), "next": STAFF_PAGE})
    assert response.status_code == 302 and response["Location"] == STAFF_PAGE
    assert client.session.session_key != session_key_before, "a new session key after the second factor"
    assert client.get(STAFF_PAGE).status_code == 200
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN, name="otp",
                                     object_id=str(official.pk)).exists()


def test_a_token_cannot_be_used_twice(client, device):
    token = totp_token(device)
    login(client, "t_district")
    client.post(reverse("accounts:login_token"), {"token": token})
    client.post(reverse("accounts:logout"))
    login(client, "t_district")
    response = client.post(reverse("accounts:login_token"), {"token": token, "next": STAFF_PAGE})
    assert response.status_code == 200
    assert client.get(STAFF_PAGE).status_code == 302


def test_turning_two_factor_on_shows_a_qr_code_and_needs_a_valid_code(client, official):
    client.force_login(official)
    page = client.get(reverse("accounts:twofactor")).content.decode()
    assert "两步验证未开启" in page

    client.post(reverse("accounts:twofactor"), {"action": "start"})
    pending = TOTPDevice.objects.get(user=official)
    assert pending.confirmed is False
    page = client.get(reverse("accounts:twofactor")).content.decode()
    assert '<svg' in page and 'class="segno"' in page
    from base64 import b32encode
    secret = b32encode(pending.bin_key).decode()
    assert secret[:4] + " " + secret[4:8] in page, "the secret, for apps that cannot scan"

    response = client.post(reverse("accounts:twofactor"), {"action": "confirm", "token": "000000"})
    assert response.status_code == 200 and "验证码不正确" in response.content.decode()
    pending.refresh_from_db()
    assert pending.confirmed is False

    pending.throttle_reset()
    response = client.post(reverse("accounts:twofactor"), {"action": "confirm", "token": totp_token(pending)})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.confirmed is True
    assert client.get(STAFF_PAGE).status_code == 200, "the session that proved the code counts as verified"
    assert AuditEvent.objects.filter(name="2fa_enabled", object_id=str(official.pk)).exists()

    # The next login asks for the code.
    client.post(reverse("accounts:logout"))
    response = login(client, "t_district")
    assert response["Location"].startswith(reverse("accounts:login_token"))


def test_turning_two_factor_off_needs_a_current_code(client, official, device):
    client.force_login(official)
    client.post(reverse("accounts:login_token"), {"token": totp_token(device)})
    assert "两步验证已开启" in client.get(reverse("accounts:twofactor")).content.decode()

    response = client.post(reverse("accounts:twofactor"), {"action": "disable", "token": "abcdef"})
    assert response.status_code == 200
    assert TOTPDevice.objects.filter(user=official).exists()

    # The code just used at login cannot be replayed; the next time step's code is accepted (tolerance 1).
    response = client.post(reverse("accounts:twofactor"),
                           {"action": "disable", "token": totp_token(device, steps_ahead=1)})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=official).exists()
    assert AuditEvent.objects.filter(name="2fa_disabled", object_id=str(official.pk)).exists()
    client.post(reverse("accounts:logout"))
    response = login(client, "t_district", next_url=STAFF_PAGE)
    assert response["Location"] == STAFF_PAGE


def test_five_wrong_passwords_lock_the_account_out_even_for_the_right_password(client, official):
    for _attempt in range(4):
        response = login(client, "t_district", "wrong-password")
        assert response.status_code == 200
    fifth = login(client, "t_district", "wrong-password")
    assert fifth.status_code == 429
    sixth = login(client, "t_district", PASSWORD)
    assert sixth.status_code == 429
    assert "锁定" in sixth.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get(STAFF_PAGE).status_code == 302


def test_lockout_is_per_username_and_ip(client, official, other_official):
    for _attempt in range(5):
        login(client, "t_district", "wrong-password")
    assert login(client, "t_district_b").status_code == 302, "another account from the same address"
    other = client.__class__(REMOTE_ADDR="10.1.2.3")
    assert login(other, "t_district").status_code == 302, "the same account from another address"


def test_a_successful_login_resets_the_failure_count(client, official):
    for _attempt in range(4):
        login(client, "t_district", "wrong-password")
    assert login(client, "t_district").status_code == 302
    client.post(reverse("accounts:logout"))
    for _attempt in range(4):
        assert login(client, "t_district", "wrong-password").status_code == 200
