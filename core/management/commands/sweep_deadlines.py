"""Fire due deadline reminders and escalations and viewflow's due timers once (Celery beat does the same
every minute through ``core.tasks.sweep_deadlines_task``). Safe to run while another sweep is running."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from core.deadlines import sweep


class Command(BaseCommand):
    help = "处理到期的期限提醒、逾期督办和流程定时器"

    def handle(self, *args, **options):
        counts = sweep()
        self.stdout.write(
            _("期限提醒：%(reminded)s，逾期督办：%(overdue)s，流程定时器：%(timers)s，处理失败：%(failed)s") % counts
        )
