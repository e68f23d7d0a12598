"""In Chromium on a phone, one safety inspection from the market to its closure: the inspector files the
checklist at the market (one major item fails, with a photo taken there that carries a GPS fix in its EXIF),
issues the rectification notice; the operator's staff answer it on their phone with a photo of the fix; the
inspector re-inspects and the case closes. The stored photo has lost its EXIF; the notice and the record
PDFs downloaded from the pages embed the Chinese font and show the photo."""

import datetime
import io
import re
import subprocess

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from core.models import Attachment, GeneratedDocument
from inspections import services
from inspections.models import Finding, Inspection, NoticeItem, RectificationNotice
from tests.e2e.conftest import CHINESE, PHONE, VISIBLE_TEXT_JS
from tests.factories import MarketFactory, Role, UserFactory
from tests.test_i18n import english_on

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "东侧通道两具灭火器压力不足，已过检验期。"
ANSWER = "已更换两具灭火器并张贴月度检查标签。"
# Where the inspector stands (朝阳区太阳宫): the page records it when the browser shares the location.
HERE = {"latitude": 39.973, "longitude": 116.449}


def photo_with_gps(path, colour):
    """A small JPEG made with Pillow whose EXIF names the camera and a GPS fix, as phone photos do."""
    image = Image.new("RGB", (320, 240), colour)
    ImageDraw.Draw(image).rectangle((40, 60, 280, 180), fill=(240, 240, 240))
    exif = Image.Exif()
    exif[0x010F] = "SecretPhone"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (39.0, 58.0, 23.0), "E", (116.0, 26.0, 56.0)
    image.save(path, format="JPEG", exif=exif, quality=85)
    assert Image.open(path).getexif().get_ifd(0x8825)  # the upload really carries a location
    return path


@pytest.fixture
def checklist(transactional_db):
    """The default checklist comes from a data migration; an earlier browser test's flush removed it."""
    import importlib

    from django.apps import apps

    from inspections.models import ChecklistTemplate

    if not ChecklistTemplate.objects.exists():
        importlib.import_module("inspections.migrations.0002_default_checklist").create(apps, None)


@pytest.fixture
def people(chaoyang, checklist):
    market = MarketFactory(name="朝阳区太阳宫零工市场", code="cy-tyg", district=chaoyang, is_crowded_venue=True)
    inspector = UserFactory(username="inspector", last_name="周", first_name="检查", roles=[Role.INSPECTOR],
                            district=chaoyang)
    operator = UserFactory(username="operator", last_name="钱", first_name="运营", roles=[Role.OPERATOR],
                           district=None, organization=market.operator.organization)
    inspection = services.inspection_plan(market=market, inspector=inspector, planned_for=datetime.date.today(),
                                          purpose="2026年12月例行消防安全检查")
    return {"market": market, "inspector": inspector, "operator": operator, "inspection": inspection}


@pytest.fixture
def phone_as(browser):
    """phone_as("inspector", base_url) is a phone browser logged in as that user (its own cookies), which
    shares its location with the site."""
    contexts = []

    def open_as(username, base_url):
        context = browser.new_context(**PHONE, **CHINESE, accept_downloads=True, geolocation=HERE,
                                      permissions=["geolocation"])
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{base_url}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", "pass-word-123")
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/staff/"))
        page.wait_for_load_state("networkidle")
        return page

    yield open_as
    for context in contexts:
        context.close()


def _fits_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url


def _chinese_only(page):
    assert set(english_on(page.evaluate(VISIBLE_TEXT_JS))) - {"PDF", "JPG", "PNG", "SHA-256"} == set(), page.url


def _open_current_task(page, base, inspection, title):
    """From the inspection page, open the task ``title`` the flow assigned to the inspector."""
    page.goto(base + inspection.get_absolute_url())
    current = page.locator(".gc-card", has=page.get_by_role("heading", name="当前待办"))
    expect(current).to_contain_text(title)
    current.get_by_role("link", name="办理").click()


def _download(page, title, tmp_path):
    documents = page.locator(".gc-documents")
    row = documents.locator("tr", has_text=title)
    expect(row).to_contain_text("已生成")
    with page.expect_download() as info:
        row.get_by_role("link", name="下载").click()
    path = tmp_path / f"{title}.pdf"
    info.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    return path


def _cjk_font_and_photo(pdf):
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines() if "WenQuanYi" in line or "Noto" in line]
    assert cjk and all(line.split()[-5] == "yes" for line in cjk), fonts  # the "emb" column
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert len(images.strip().splitlines()) - 2 >= 1, images  # two header lines, then one line per image


def test_inspection_filed_on_a_phone_to_rectified_and_closed(live_server, phone_as, people, screenshot, tmp_path):
    base, inspection, market = live_server.url, people["inspection"], people["market"]
    items = list(inspection.checklist.items.order_by("sort_order", "pk"))
    failing = items[0]

    # 1. The inspector opens the planned inspection at the market and files the checklist on the phone.
    inspector = phone_as("inspector", base)
    _open_current_task(inspector, base, inspection, "现场检查")
    expect(inspector.locator("#gc-fill")).to_be_visible()
    expect(inspector.locator("#gc-location")).to_have_text("已记录检查位置。")
    inspector.get_by_label("现场负责人").fill("钱运营")
    for item in items[1:]:
        inspector.locator(f"input[name=result_{item.pk}][value=pass]").check()
    card = inspector.locator(f".gc-item[data-item='{failing.pk}']")
    card.locator("input[value=fail]").check()
    card.locator(f"select[name=severity_{failing.pk}]").select_option("major")
    card.locator(f"textarea[name=note_{failing.pk}]").fill(NOTE)
    card.locator(f"textarea[name=note_{failing.pk}]").blur()
    card.locator(f"input[name=photos_{failing.pk}]").set_input_files(
        str(photo_with_gps(tmp_path / "现场照片.jpg", (180, 40, 40))))
    expect(card.locator(".gc-photos")).to_contain_text("现场照片.jpg")  # uploaded at once, listed under the item
    # Every answer was saved as it was given: nothing is left waiting in the phone's storage.
    inspector.wait_for_function(f"() => !localStorage.getItem('gc-draft-{inspection.number}')")
    _fits_phone(inspector)
    _chinese_only(inspector)
    card.scroll_into_view_if_needed()
    screenshot(inspector, "staff-inspection-phone")
    finding = Finding.objects.get(inspection=inspection, item=failing)
    assert (finding.result, finding.severity, finding.note) == ("fail", "major", NOTE)  # saved as they go
    inspector.get_by_role("button", name="提交检查记录").click()
    expect(inspector.get_by_text("已办理：现场检查")).to_be_visible()
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.RECTIFICATION_REQUIRED
    assert inspection.latitude is not None and abs(float(inspection.latitude) - HERE["latitude"]) < 1e-3
    # The photo is stored without its EXIF: no camera, no location.
    stored = Attachment.objects.for_object(finding).get()
    with stored.file.open("rb") as fh:
        assert not Image.open(io.BytesIO(fh.read())).getexif()

    # 2. The inspector issues the notice (one major item: 7 days to fix).
    _open_current_task(inspector, base, inspection, "下达整改通知")
    expect(inspector.locator("textarea").first).to_be_visible()
    inspector.locator("textarea").first.fill("更换东侧通道过期灭火器，每月检查并记录。")
    _fits_phone(inspector)
    inspector.get_by_role("button", name="下达整改通知").click()
    expect(inspector.get_by_text("已办理：下达整改通知")).to_be_visible()
    notice = RectificationNotice.objects.get(inspection=inspection)
    item = notice.items.get()
    assert item.severity == "major" and item.days == 7

    # 3. The operator's staff find the notice on their phone and answer it with a photo of the fix.
    operator = phone_as("operator", base)
    operator.goto(f"{base}/staff/inspection/notices/")
    operator.get_by_role("link", name=notice.number).click()
    expect(operator.locator("main, body").first).to_contain_text("更换东侧通道过期灭火器")
    operator.get_by_label("整改情况").fill(ANSWER)
    operator.locator(f"input[name=photos_{item.pk}]").set_input_files(
        str(photo_with_gps(tmp_path / "整改后.jpg", (40, 140, 60))))
    _fits_phone(operator)
    _chinese_only(operator)
    screenshot(operator, "operator-notice", full_page=True)
    operator.get_by_role("button", name="提交整改情况").click()
    expect(operator.get_by_text("整改情况已提交，等待复查。")).to_be_visible()
    notice.refresh_from_db()
    assert notice.status == RectificationNotice.Status.RESPONDED

    # 4. The inspector re-inspects, accepts the fix and the case closes.
    _open_current_task(inspector, base, inspection, "复查")
    inspector.get_by_role("button", name="开始复查").click()
    expect(inspector.get_by_text("已开始复查。")).to_be_visible()
    inspector.get_by_label("整改合格").check()
    _fits_phone(inspector)
    inspector.get_by_role("button", name="提交复查结论").click()
    expect(inspector.get_by_text("已办理：复查")).to_be_visible()
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.CLOSED
    assert NoticeItem.objects.get(pk=item.pk).state == NoticeItem.State.ACCEPTED

    # 5. The record and the notice download from the inspection page: Chinese font embedded, photo shown.
    inspector.goto(base + inspection.get_absolute_url())
    expect(inspector.locator(".gc-card").first).to_contain_text("已办结")
    _fits_phone(inspector)
    for title in ("安全检查记录", "整改通知书"):
        _cjk_font_and_photo(_download(inspector, title, tmp_path))
    assert GeneratedDocument.objects.filter(status="ready").count() >= 3  # with the 复查意见书
