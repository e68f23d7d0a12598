"""Two Applications of the staff site: 欠薪移送 (the district's referrals) and 移送接收 (the receiving
organisation's portal). Each view checks its own access (viewflow does not enforce ``permission`` on URLs)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application

from .models.referrals import is_partner_user
from .views import partner, referrals


class ReferralApp(Application):
    title = _("欠薪移送")
    icon = "forward_to_inbox"
    app_name = "referral"
    menu_template_name = "casework/referral/app_menu.html"
    permission = staticmethod(lambda user: user.has_perm("casework.view_referral"))

    referral_list_path = path("cases/", referrals.referral_list, name="referral_list")
    referral_new_path = path("new/<str:claim_number>/", referrals.referral_new, name="referral_new")
    referral_detail_path = path("cases/<str:number>/", referrals.referral_detail, name="referral_detail")
    referral_consent_path = path("cases/<str:number>/consent/", referrals.referral_consent, name="referral_consent")
    referral_approve_path = path("cases/<str:number>/approve/", referrals.referral_approve, name="referral_approve")
    referral_send_path = path("cases/<str:number>/send/", referrals.referral_send, name="referral_send")
    referral_complete_path = path("cases/<str:number>/complete/", referrals.referral_complete, name="referral_complete")
    referral_revoke_path = path("cases/<str:number>/revoke/", referrals.referral_revoke, name="referral_revoke")


class PartnerApp(Application):
    title = _("移送接收")
    icon = "move_to_inbox"
    app_name = "partner"
    menu_template_name = "casework/partner/app_menu.html"
    permission = staticmethod(is_partner_user)

    referral_list_path = path("inbox/", partner.partner_list, name="referral_list")
    referral_detail_path = path("cases/<str:number>/", partner.partner_detail, name="referral_detail")
    referral_accept_path = path("cases/<str:number>/accept/", partner.partner_accept, name="referral_accept")
    referral_decline_path = path("cases/<str:number>/decline/", partner.partner_decline, name="referral_decline")
    referral_update_path = path("cases/<str:number>/update/", partner.partner_update, name="referral_update")
    referral_outcome_path = path("cases/<str:number>/outcome/", partner.partner_outcome, name="referral_outcome")
    referral_extend_path = path("cases/<str:number>/extend/", partner.partner_extend, name="referral_extend")
    referral_file_path = path("cases/<str:number>/files/<int:pk>/", partner.partner_file, name="referral_file")


def site_index_view(site):
    """The staff site's home: partner users land on their referral inbox (every other application is closed
    to them); everyone else goes to the first application, as viewflow does."""
    from django.shortcuts import redirect
    from viewflow.urls.base import _IndexRedirectView

    default = _IndexRedirectView.as_view(viewset=site)

    def index(request, *args, **kwargs):
        if is_partner_user(request.user):
            return redirect("partner:referral_list")
        return default(request, *args, **kwargs)

    index.view_class = _IndexRedirectView  # viewflow's index lookup skips it, as it skips its own redirect
    return index
