"""Peak resident memory of a web process and of a PDF worker, each measured in a fresh process with
``resource.getrusage`` (ru_maxrss, KiB on Linux).

``web``: a WSGI handler process (Django's full stack, the test Client in place of a socket) serving the
inbox, queue, case list, case page and tracking pages 20 times each. ``pdf``: a worker rendering the case
file (案卷) document the way ``render_document_task`` does, three times."""

import json
import os
import resource
import sys


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    import config.urls  # noqa: F401

    mode, out = sys.argv[1], {"after_setup_mib": rss_mib()}
    if mode == "web":
        from django.test import Client

        from bench.measure import client_for, pick_users
        from casework.models import Complaint

        mediator, official = pick_users()
        cm, co, public = client_for(mediator), client_for(official), Client()
        case = Complaint.objects.filter(district_id=official.district_id, status="closed").order_by("-pk").first()
        for _ in range(20):
            for client, url in ((cm, "/staff/complaint/inbox/"), (co, "/staff/complaint/queue/"),
                                (co, "/staff/complaint/cases/?status=investigating&category=wage_arrears"),
                                (co, f"/staff/complaint/cases/{case.number}/"), (public, "/track/")):
                assert client.get(url).status_code == 200, url
    elif mode == "pdf":
        from core.documents import render_document_now
        from core.models import GeneratedDocument

        doc = GeneratedDocument.objects.get(pk=int(sys.argv[2]))
        for _ in range(3):
            GeneratedDocument.objects.filter(pk=doc.pk).update(status="pending")
            assert render_document_now(doc).status == "ready"
    out["peak_mib"] = rss_mib()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
