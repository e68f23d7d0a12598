from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender, **kwargs):
    from .roles import sync_roles

    sync_roles()


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("账户与单位")

    def ready(self):
        # After every migrate, so that permissions created for apps migrated later are granted too.
        post_migrate.connect(_sync_roles, dispatch_uid="accounts.sync_roles")
