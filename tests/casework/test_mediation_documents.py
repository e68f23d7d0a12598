"""Mediation documents: the session notice issued on scheduling (on commit, with retry through the case page),
the minutes with absences, and the case file (案卷) with timeline, masked parties, claims, sessions, agreement,
obligations and SHA-256 of every document; ``manage.py dossier`` with a TJ- number."""

import hashlib
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from casework import services
from casework.flows import MediationFlow
from casework.models import MediationSession
from core.documents import render_document_now
from core.models import AuditEvent, GeneratedDocument
from tests.core.test_documents import pdf_fonts, pdf_text
from tests.casework.test_mediation import apply, do_task, draft, fresh

pytestmark = pytest.mark.django_db


def login(user):
    client = Client()
    client.force_login(user)
    return client


def embeds_cjk(data, tmp_path):
    return any("WenQuanYi" in f["name"] and f["emb"] == "yes" for f in pdf_fonts(data, tmp_path))


@pytest.fixture
def assigned(official, mediator):
    case = apply()
    do_task(official, case, MediationFlow.review, {"decision": "accept"})
    do_task(official, case, MediationFlow.assign, {"mediator": mediator.pk})
    return fresh(case)


def schedule(client, case, **over):
    when = timezone.localtime(timezone.now() + timedelta(days=2)).replace(hour=9, minute=30, second=0, microsecond=0)
    data = {"version": case.version, "scheduled_at": when.strftime("%Y-%m-%dT%H:%M"), "place": "朝阳零工市场调解室",
            "participants": "申请人委托代理人李律师", **over}
    return client.post(f"/staff/mediation/cases/{case.number}/session/", data), when


def session_docs(session, kind):
    return GeneratedDocument.objects.filter(content_type=ContentType.objects.get_for_model(MediationSession),
                                            object_id=session.pk, kind=kind)


def test_scheduling_a_session_issues_the_notice_to_both_parties_on_commit(assigned, mediator, tmp_path,
                                                                          django_capture_on_commit_callbacks):
    client = login(mediator)
    with django_capture_on_commit_callbacks(execute=True):
        response, when = schedule(client, assigned)
    assert response.status_code == 302
    session = assigned.sessions.get()
    doc = session_docs(session, "mediation.session_notice").get()
    assert doc.status == "ready" and doc.title == f"调解通知书（{when.year}年{when.month}月{when.day}日 09:30）"
    data = doc.file.open("rb").read()
    assert embeds_cjk(data, tmp_path)
    text = pdf_text(data, tmp_path)
    for expected in ("调解通知书", assigned.number, "王师傅", "某某劳务公司", "朝阳零工市场调解室", "现场调解",
                     f"{when.year}年{when.month}月{when.day}日09:30", "申请人委托代理人李律师", mediator.get_full_name() or "t_mediator"):
        assert expected in text, expected
    # The case page lists the session's notice with a download link.
    page = client.get(assigned.get_absolute_url()).content.decode()
    assert f"/files/d/{doc.pk}/" in page and "调解通知书" in page


def test_an_online_session_notice_names_the_meeting_instead_of_a_room(assigned, mediator, tmp_path,
                                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        schedule(login(mediator), assigned, online="on", place="腾讯会议 123-456-789")
    doc = session_docs(assigned.sessions.get(), "mediation.session_notice").get()
    text = pdf_text(doc.file.open("rb").read(), tmp_path)
    assert "线上调解" in text and "腾讯会议123-456-789" in text and "按时登录" in text


def test_a_failed_notice_is_retried_from_the_case_page_and_only_in_scope(assigned, mediator, other_official,
                                                                          django_capture_on_commit_callbacks):
    session = services.mediation_schedule_session(case=assigned, by=mediator, place="调解室",
                                                  scheduled_at=timezone.now() + timedelta(days=1))
    doc = session_docs(session, "mediation.session_notice").get()
    # A broken deployment: the template the row names is missing. The render fails and says so.
    GeneratedDocument.objects.filter(pk=doc.pk).update(template_name="casework/pdf/missing.html")
    doc = render_document_now(doc)
    assert doc.status == "failed" and "missing.html" in doc.error
    client = login(mediator)
    page = client.get(assigned.get_absolute_url()).content.decode()
    assert f"/files/d/{doc.pk}/retry/" in page and "生成失败" in page

    assert login(other_official).post(f"/files/d/{doc.pk}/retry/").status_code == 404
    GeneratedDocument.objects.filter(pk=doc.pk).update(template_name="casework/pdf/mediation_session_notice.html")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/files/d/{doc.pk}/retry/", {"next": assigned.get_absolute_url()})
    assert response.status_code == 303
    doc.refresh_from_db()
    assert doc.status == "ready" and doc.attempts == 2
    assert login(other_official).get(f"/files/d/{doc.pk}/").status_code == 404
    assert client.get(f"/files/d/{doc.pk}/").status_code == 200


def test_minutes_pdf_records_the_minutes_and_an_absence(assigned, mediator, tmp_path,
                                                        django_capture_on_commit_callbacks):
    session = services.mediation_schedule_session(case=assigned, by=mediator, place="调解室",
                                                  scheduled_at=timezone.now() + timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        services.mediation_record_minutes(case=assigned, by=mediator, session=session, respondent_absent=True,
                                          minutes="申请人陈述：完工后未结工资1500元。\n被申请人经电话通知未到场。")
    doc = session_docs(session, "mediation.minutes").get()
    data = doc.file.open("rb").read()
    assert embeds_cjk(data, tmp_path)
    text = pdf_text(data, tmp_path)
    assert "调解笔录" in text and "第1次调解" in text and "完工后未结工资1500元" in text
    assert "某某劳务公司（缺席）" in text and "被申请人经通知未到场" in text
    assert "王师傅（到场）" in text and "缺席情况：被申请人经通知未到场。调解经过" in text


def test_the_case_file_has_timeline_masked_parties_claims_sessions_agreement_and_hashes(
        assigned, mediator, official, tmp_path, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        session = services.mediation_schedule_session(case=assigned, by=mediator, place="朝阳零工市场调解室",
                                                      scheduled_at=timezone.now() + timedelta(hours=2))
        services.mediation_record_minutes(case=assigned, by=mediator, session=session, minutes="双方确认欠薪。",
                                          applicant_absent=False, respondent_absent=False, version=None)
        draft(assigned, mediator)
        services.mediation_record_signatures(case=assigned, by=mediator, applicant=True, respondent=True,
                                             mediator=True, seal=True)
        services.mediation_sign_agreement(case=assigned, by=mediator)
    for pending in GeneratedDocument.objects.filter(status="pending"):  # issued by the flow before the capture
        render_document_now(pending)
    client = login(official)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/staff/mediation/cases/{assigned.number}/dossier/").status_code == 302
    dossier = GeneratedDocument.objects.for_object(assigned).get(kind="mediation.dossier")
    assert dossier.status == "ready"
    data = dossier.file.open("rb").read()
    assert embeds_cjk(data, tmp_path)
    text = pdf_text(data, tmp_path)
    assert "劳动争议调解案卷" in text and assigned.number in text
    assert "王**" in text and "王师傅" not in text and "13912345678" not in text  # masked applicant
    assert "某某劳务公司" in text and "拖欠工资" in text and "1500.00" in text
    assert "朝阳零工市场调解室" in text and "支付拖欠工资（劳动报酬）" in text
    for label in ("受理", "指派调解员", "安排调解", "记录调解笔录", "调解协议生效"):
        assert label in text, label
    others = [d for d in GeneratedDocument.objects.all() if d.kind != "mediation.dossier"]
    assert {d.kind for d in others} >= {"mediation.acceptance", "mediation.session_notice", "mediation.minutes",
                                        "mediation.agreement"}
    for d in others:  # every other document with its full digest
        assert d.sha256 and d.sha256 in text
    assert AuditEvent.objects.for_object(assigned).filter(action="export", name="dossier", actor=official).exists()


def test_only_the_mediator_or_district_officials_may_export_the_case_file(assigned, intake):
    assert login(intake).post(f"/staff/mediation/cases/{assigned.number}/dossier/").status_code == 403


def test_dossier_command_accepts_a_mediation_number(assigned, official, tmp_path):
    out = tmp_path / "调解案卷.pdf"
    call_command("dossier", assigned.number.lower(), "-o", str(out), "--by", official.username)
    data = out.read_bytes()
    text = pdf_text(data, tmp_path)
    assert "劳动争议调解案卷" in text and assigned.number in text and "王**" in text
    event = AuditEvent.objects.for_object(assigned).get(action=AuditEvent.Action.EXPORT)
    assert event.name == "dossier" and event.data["sha256"] == hashlib.sha256(data).hexdigest()


def test_case_page_with_sessions_and_documents_keeps_its_query_count(assigned, mediator, official,
                                                                     django_assert_max_num_queries,
                                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for day in range(1, 4):
            services.mediation_schedule_session(case=assigned, by=mediator, place="调解室",
                                                scheduled_at=timezone.now() + timedelta(days=day))
    client = login(official)
    client.get(assigned.get_absolute_url())
    with django_assert_max_num_queries(30):
        page = client.get(assigned.get_absolute_url()).content.decode()
    assert page.count("调解通知书（") == 3
