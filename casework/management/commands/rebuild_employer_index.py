"""``manage.py rebuild_employer_index``: re-create the employer index (repeat offenders) after a bulk import
that bypassed ``save()`` (e.g. the benchmark generator), so every wage claim, complaint and mediation case is
counted."""

from django.core.management.base import BaseCommand
from django.db import transaction

from casework import employer_index


class Command(BaseCommand):
    help = "重建用工单位涉案索引（多次涉案标记所用），用于批量导入数据之后。"

    def handle(self, *args, **options):
        with transaction.atomic():
            count = employer_index.rebuild()
        self.stdout.write(f"已重建用工单位涉案索引：{count} 件案件。")
