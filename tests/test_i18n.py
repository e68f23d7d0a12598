"""The staff frontend and the login page speak Chinese.

viewflow ships an empty zh_Hans catalogue and hard-codes some English in templates and JavaScript. We ship
the Chinese in locale/vendor/zh_Hans (viewflow and django-filter) and override the templates under
templates/viewflow/. These tests prove that

- every msgid viewflow and django-filter mark for translation - in their bundled .po files and in the sources
  installed right now (so a viewflow upgrade that adds a string fails here) - has Chinese in our catalogue,
  and so has every string viewflow's JavaScript asks the JavaScript catalogue for;
- the compiled catalogues are the ones Django uses (Chinese by default, English on request);
- the login page and the staff pages a district official opens show none of viewflow's English UI words
  (the list is derived from viewflow's msgids, plus the English viewflow hard-codes).

The browser test in tests/e2e/ repeats the page check on the rendered DOM, JavaScript components included.
"""

import ast
import re
import shutil
import subprocess
import sys
from html import unescape
from pathlib import Path

import django_filters
import pytest
import viewflow
from django.conf import settings
from django.test.signals import setting_changed
from django.utils import translation
from django.utils.translation import trans_real

from tests.conftest import _missing
from tests.factories import MarketFactory, Role, UserFactory

VIEWFLOW_DIR = Path(viewflow.__file__).parent
DJANGO_FILTERS_DIR = Path(django_filters.__file__).parent
LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
VENDOR_PO = LOCALE_DIR / "vendor" / "zh_Hans" / "LC_MESSAGES" / "django.po"
VENDOR_JS_PO = LOCALE_DIR / "vendor" / "zh_Hans" / "LC_MESSAGES" / "djangojs.po"
BUNDLED_PO = {
    "viewflow": VIEWFLOW_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po",
    # django-filter ships zh_CN only; Django looks for zh_Hans, so its catalogue is never used for zh-hans.
    "django_filters": DJANGO_FILTERS_DIR / "locale" / "zh_CN" / "LC_MESSAGES" / "django.po",
}
PACKAGE_DIR = {"viewflow": VIEWFLOW_DIR, "django_filters": DJANGO_FILTERS_DIR}

# English viewflow renders without any msgid (hard-coded in templates, Python or JavaScript), and the
# words the issue names. Each one was visible on a staff page before templates/viewflow/ existed.
HARD_CODED_ENGLISH = [
    "Django Material", "Django Viewflow", "Viewflow Demo suite", "Search...", "Select all", "GO",
    "No applications found", "No viewsets found", "Food picker listbox", "flow graph", "Unassigned",
    "Delete selected objects", "Process summary", "Process id", "Active tasks", "Open navigation menu",
    "Sign in", "Username", "Password", "Actions", "True", "False",
]
PAGINATION_ENGLISH = re.compile(r"\d+\s*-\s*\d+ of \d+")


# --- reading catalogues -----------------------------------------------------------------------------------

def read_po(path: Path) -> dict[tuple[str | None, str], list[str]]:
    """{(msgctxt, msgid): [msgstr, ...]} of a .po file, skipping the header and obsolete (#~) entries."""
    entries = {}
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        fields: dict = {"msgstr": {}}
        key = None
        for line in block.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                if line.startswith("#~"):
                    fields = {"msgstr": {}}
                    break
                continue
            m = re.match(r'(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$', line)
            if m:
                key = m.group(1) if not m.group(1).startswith("msgstr") else ("msgstr", int(m.group(2) or 0))
                value = ast.literal_eval(m.group(3))
            else:
                value = ast.literal_eval(line)
                if isinstance(key, tuple):
                    fields["msgstr"][key[1]] += value
                else:
                    fields[key] += value
                continue
            if isinstance(key, tuple):
                fields["msgstr"][key[1]] = value
            else:
                fields[key] = value
        if fields.get("msgid"):
            msgstrs = [fields["msgstr"][i] for i in sorted(fields["msgstr"])]
            entries[(fields.get("msgctxt"), fields["msgid"])] = msgstrs
    return entries


def untranslated(msgids, catalogue: dict) -> list:
    return sorted((key for key in msgids if not all((catalogue.get(key) or [""]))), key=str)


def extract_msgids(package: str, tmp_path: Path) -> set:
    """Run makemessages over a copy of the installed package's sources (what `makemessages` would collect
    if the package were ours). Needs GNU gettext, which scripts/bootstrap.sh installs."""
    if shutil.which("xgettext") is None or shutil.which("msguniq") is None:
        _missing("this test needs GNU gettext (apt-get install gettext)")
    source = PACKAGE_DIR[package]
    copy = tmp_path / package
    for path in source.rglob("*"):
        if path.suffix in (".py", ".html", ".txt") and "locale" not in path.parts:
            target = copy / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    (copy / "locale").mkdir()
    env = {"PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(tmp_path)}
    subprocess.run([sys.executable, "-m", "django", "makemessages", "-l", "zh_Hans", "--no-location"],
                   cwd=copy, env=env, check=True, capture_output=True)
    return set(read_po(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))


def javascript_msgids() -> set:
    """The gettext()/pgettext() calls in viewflow's bundled JavaScript, found through the names the minified
    bundle binds to window.gettext and window.pgettext."""
    js = (VIEWFLOW_DIR / "static" / "viewflow" / "js" / "viewflow.min.js").read_text(encoding="utf-8")
    gettext = re.search(r"(\w+)=window\.gettext\b", js).group(1)
    pgettext = re.search(r"(\w+)=window\.pgettext\b", js).group(1)
    calls = {(None, m) for m in re.findall(rf'(?<![\w.$]){re.escape(gettext)}\("([^"]+)"\)', js)}
    calls |= {(ctx, m) for ctx, m in re.findall(rf'(?<![\w.$]){re.escape(pgettext)}\("([^"]+)","([^"]+)"\)', js)}
    return calls


# --- what a page shows --------------------------------------------------------------------------------------

_VISIBLE_ATTRS = re.compile(r'\s(?:label|placeholder|title|aria-label|alt)="([^"]*)"')


def visible_text(html: str) -> str:
    """Text a user sees or hears: element text plus the attributes that are shown (web-component labels,
    placeholders, tooltips, screen-reader labels). Scripts, styles, Material icon ligatures ("inbox" renders
    as an icon) and elements marked lang="en" on purpose (the "English" language switch) are left out."""
    html = re.sub(r"<(script|style|template)\b.*?</\1>", " ", html, flags=re.S | re.I)
    html = re.sub(r"<!--.*?-->", " ", html, flags=re.S)
    html = re.sub(r'<(\w[\w-]*)\b[^>]*class="[^"]*material-icons[^"]*"[^>]*>.*?</\1>', " ", html, flags=re.S)
    html = re.sub(r'<(?!html\b)(\w[\w-]*)\b[^>]*\blang="en"[^>]*>.*?</\1>', " ", html, flags=re.S)
    attrs = " ".join(_VISIBLE_ATTRS.findall(html))
    text = re.sub(r"<[^>]+>", " ", html)
    return unescape(f"{text} {attrs}")


def _phrases_of(msgid: str) -> list[str]:
    """The literal English parts of a msgid worth looking for: placeholders split it, and only parts that
    start with a capital letter or have several words count (lowercase single words such as django-filter's
    "contains" are not UI labels and would match innocent text)."""
    parts = re.split(r"%\(\w+\)[sd]|%[sd]|\{[\w.]+\}", " ".join(msgid.split()))
    phrases = []
    for part in parts:
        part = part.strip(" .,:;!?\"“”'’()#-")
        letters = re.sub(r"[^A-Za-z]", "", part)
        if len(letters) >= 3 and (part[0].isupper() or " " in part):
            phrases.append(part)
    return phrases


def forbidden_english() -> re.Pattern:
    """viewflow's and django-filter's English UI strings (every msgid of our vendor catalogue, which the
    tests above keep complete) plus the English viewflow hard-codes."""
    phrases = set(HARD_CODED_ENGLISH)
    for _ctx, msgid in read_po(VENDOR_PO):
        phrases.update(_phrases_of(msgid))
    alternation = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z])(?:{alternation})(?![A-Za-z])|{PAGINATION_ENGLISH.pattern}")


def english_on(text: str) -> list[str]:
    return sorted(set(forbidden_english().findall(text)))


# --- catalogues are complete --------------------------------------------------------------------------------

@pytest.mark.parametrize("package", ["viewflow", "django_filters"])
def test_every_msgid_of_the_bundled_catalogue_has_chinese(package):
    bundled = read_po(BUNDLED_PO[package])
    ours = read_po(VENDOR_PO)
    assert len(bundled) > 30
    assert untranslated(bundled, ours) == []


@pytest.mark.parametrize("package", ["viewflow", "django_filters"])
def test_every_msgid_in_the_installed_sources_has_chinese(package, tmp_path):
    found = extract_msgids(package, tmp_path)
    assert (None, "Inbox" if package == "viewflow" else "Yesterday") in found
    assert untranslated(found, read_po(VENDOR_PO)) == []


def test_every_string_of_viewflows_javascript_has_chinese():
    calls = javascript_msgids()
    assert (None, "January") in calls and ("three letter Monday", "Mon") in calls
    assert untranslated(calls, read_po(VENDOR_JS_PO)) == []


def test_our_english_catalogue_translates_every_chinese_msgid():
    english = read_po(LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po")
    chinese = {key for key in english if re.search(r"[\u4e00-\u9fff]", key[1])}
    assert len(chinese) > 100
    assert untranslated(chinese, english) == []


# --- the compiled catalogues are the ones in use -------------------------------------------------------------

def compile_messages():
    """Compile each locale/**/*.po whose .mo is missing or older (scripts/bootstrap.sh normally does this),
    then make Django reload its catalogues."""
    if shutil.which("msgfmt") is None:
        _missing("this test needs GNU gettext (apt-get install gettext)")
    for po in LOCALE_DIR.glob("**/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            subprocess.run(["msgfmt", "--check-format", "-o", str(mo), str(po)], check=True)
    setting_changed.send(sender=type(settings), setting="LOCALE_PATHS", value=settings.LOCALE_PATHS, enter=False)


@pytest.fixture(scope="module")
def compiled_messages():
    compile_messages()


def test_viewflow_strings_are_chinese_by_default_and_english_on_request(compiled_messages):
    with translation.override("zh-hans"):
        assert [translation.gettext(s) for s in ("Inbox", "Queue", "Archive", "Assign", "Execute", "Log out")] \
            == ["待办", "待领取", "已归档", "领取", "办理", "退出登录"]
        assert translation.pgettext("STATUS", "New") == "新建"
        assert translation.gettext("Yesterday") == "昨天"  # django-filter
        assert translation.gettext("零工市场维权与监管") == "零工市场维权与监管"
    with translation.override("en"):
        assert translation.gettext("Inbox") == "Inbox"
        assert translation.gettext("零工市场维权与监管") == "Gig Market Rights and Supervision"


def test_every_vendor_translation_is_active(compiled_messages):
    catalogue = trans_real.translation("zh-hans")._catalog
    inactive = []
    for ctx, msgid in read_po(VENDOR_PO):
        key = f"{ctx}\x04{msgid}" if ctx else msgid
        if key not in catalogue and (key, 0) not in catalogue:
            inactive.append((ctx, msgid))
    assert inactive == []


# --- pages ------------------------------------------------------------------------------------------------

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture
def district_official(db, chaoyang):
    return UserFactory(username="district", roles=[Role.DISTRICT_OFFICIAL], district=chaoyang)


def _flow_apps():
    from config.site import site
    from viewflow.workflow.flow import FlowAppViewset

    return [app for app in site.viewsets if isinstance(app, FlowAppViewset)]


def _get(client, url):
    response = client.get(url, follow=True, **ZH)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def test_the_forbidden_word_list_catches_viewflows_english():
    pattern = forbidden_english()
    for english in ("Inbox", "Queue", "Archive", "Log out", "Filter", "Yesterday", "Search...", "1-20 of 35",
                    "Pick an action", "have no rights to access this page"):
        assert pattern.search(f"<p>{english}</p>"), english
    assert not pattern.search(visible_text('<i class="material-icons">inbox</i><p>待办 已归档 2026年</p>'))


def test_login_page_is_chinese(client, db, compiled_messages):
    html = _get(client, "/accounts/login/")
    text = visible_text(html)
    assert "工作人员登录" in text and "用户名" in text and "密码" in text
    assert english_on(text) == []


def test_login_page_in_english_on_request(client, db, compiled_messages):
    text = visible_text(client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert "Staff login" in text and "Username" in text


def test_an_english_request_leaves_english_active_in_the_thread(client, db, compiled_messages):
    client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert translation.get_language() == "en"  # what tests/conftest.py's _default_language puts back


def test_the_next_test_runs_in_the_default_language_again(db):
    # Runs right after the test above: pytest keeps a file's order, and pytest-django groups tests by database
    # use (hence ``db`` here, as above). That test's English request must not leak here.
    assert translation.get_language() == settings.LANGUAGE_CODE
    assert translation.gettext("零工市场维权与监管") == "零工市场维权与监管"


def test_staff_home_and_markets_pages_are_chinese(client, district_official, compiled_messages):
    market = MarketFactory(district=district_official.district)
    client.force_login(district_official)
    pages = {
        "/staff/": ["零工市场维权与监管", "应用", "退出登录"],
        "/staff/markets/market/": ["市场与驿站", "筛选", market.name, "，共 1 条"],
        f"/staff/markets/market/{market.pk}/detail/": [market.name],
        "/staff/markets/operator/": ["运营机构"],
    }
    for url, expected in pages.items():
        text = visible_text(_get(client, url))
        for chinese in expected:
            assert chinese in text, (url, chinese)
        assert english_on(text) == [], url


def test_flow_inbox_queue_and_archive_are_chinese(client, district_official, compiled_messages):
    apps = _flow_apps()
    if not apps:
        pytest.skip("no FlowAppViewset is registered in config.site yet")
    client.force_login(district_official)
    for app in apps:
        for view in ("index", "inbox", "queue", "archive", "process_list", "task_list"):
            url = app.reverse(view)
            text = visible_text(_get(client, url))
            assert "待办" in text and "待领取" in text and "已归档" in text, url  # the flow menu
            assert english_on(text) == [], url


def test_flow_pages_in_english_on_request(client, district_official, compiled_messages):
    apps = _flow_apps()
    if not apps:
        pytest.skip("no FlowAppViewset is registered in config.site yet")
    client.force_login(district_official)
    response = client.get(apps[0].reverse("inbox"), HTTP_ACCEPT_LANGUAGE="en")
    text = visible_text(response.content.decode())
    assert "Inbox" in text and "Queue" in text and "Archive" in text and "Log out" in text


def test_public_layout_has_hotline_and_language_switch(client, db, compiled_messages, settings):
    settings.GIGCASE_PUBLIC_HOTLINE = "12333"
    html = client.get("/markets/", **ZH).content.decode()
    assert '<html lang="zh-Hans">' in html
    assert "零工市场维权服务" in html and 'href="tel:12333"' in html
    assert 'action="/i18n/setlang/"' in html and 'value="en"' in html
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/markets/"})
    assert response.status_code == 302 and response["Location"] == "/markets/"
    html = client.get("/markets/").content.decode()
    assert '<html lang="en">' in html and "Gig Market Rights Service" in html


def test_lockout_page_is_chinese(client, district_official, compiled_messages, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        response = client.post("/accounts/login/", {"username": "district", "password": "wrong-password"}, **ZH)
    assert response.status_code == 429
    text = visible_text(response.content.decode())
    assert "登录已被暂时锁定" in text and "连续 2 次登录失败" in text
    assert english_on(text) == []
