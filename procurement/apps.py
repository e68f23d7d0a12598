from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = _("购买服务")

    def ready(self):
        from . import documents  # noqa: F401  (registers the contract summary PDF)
