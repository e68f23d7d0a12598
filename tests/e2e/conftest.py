"""Browser tests: Playwright (sync API) driving the system Chromium against pytest-django's live server.

Tests here are marked ``browser``; tests/conftest.py skips them when Chromium or Playwright is missing (and
fails them under CI=true). Screenshots for the README are only written when GIGCASE_SCREENSHOTS=1, so a test
run never changes tracked files by accident."""

import os
from pathlib import Path

import pytest

from tests.conftest import CHROMIUM

# Playwright's sync API runs an event loop in this thread; Django then refuses ORM calls from it
# ("SynchronousOnlyOperation"). The live server runs in its own thread and is unaffected.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
CHINESE = {"locale": "zh-CN", "timezone_id": "Asia/Shanghai", "extra_http_headers": {"Accept-Language": "zh-hans"}}
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


@pytest.fixture(scope="session", autouse=True)
def _compiled_messages():
    """The live server must use the current catalogues."""
    from tests.test_i18n import compile_messages

    compile_messages()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def desktop_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, **CHINESE)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(**PHONE, **CHINESE)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def screenshot():
    """screenshot(page, "name") saves docs/screenshots/name.png when GIGCASE_SCREENSHOTS=1."""

    def take(page, name: str, *, full_page: bool = False):
        if os.environ.get("GIGCASE_SCREENSHOTS") == "1":
            SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT_DIR / f"{name}.png"), full_page=full_page)

    return take


# What a user sees or hears on the rendered page, web components' shadow DOM included: text, plus the
# attributes that are shown or read out. Icon ligatures and elements marked lang="en" on purpose (the
# "English" language switch) are left out, as in tests/test_i18n.visible_text.
VISIBLE_TEXT_JS = """
() => {
  const out = [];
  const attrs = ["placeholder", "label", "title", "aria-label", "alt"];
  function walk(node) {
    if (node.nodeType === Node.TEXT_NODE) { out.push(node.textContent); return; }
    if (node.nodeType === Node.ELEMENT_NODE) {
      const tag = node.tagName.toLowerCase();
      if (["script", "style", "template", "noscript"].includes(tag)) return;
      if (node.classList.contains("material-icons") || node.getAttribute("lang") === "en") return;
      for (const a of attrs) { const v = node.getAttribute(a); if (v) out.push(v); }
      if (node.shadowRoot) walk(node.shadowRoot);
    }
    for (const child of node.childNodes) walk(child);
  }
  walk(document.body);
  out.push(document.title);
  return out.join(" ");
}
"""
