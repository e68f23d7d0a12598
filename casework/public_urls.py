"""Public complaint routes (no login). Included by ``core.public_urls`` into the ``public`` namespace, so
they are reversed as ``public:complaint_new`` and so on."""

from django.urls import path

from .views import public, public_mediation, public_wage

urlpatterns = [
    path("complaints/new/", public.complaint_new, name="complaint_new"),
    path("complaints/submitted/", public.complaint_submitted, name="complaint_submitted"),
    path("mediation/apply/", public_mediation.mediation_apply, name="mediation_apply"),
    path("mediation/submitted/", public_mediation.mediation_submitted, name="mediation_submitted"),
    path("track/mediation/", public_mediation.mediation_track_detail, name="mediation_track_detail"),
    path("track/mediation/survey/", public_mediation.mediation_track_survey, name="mediation_track_survey"),
    path("track/wage/", public_wage.wageclaim_track_detail, name="wageclaim_track_detail"),
    path("track/", public.track, name="track"),
    path("track/case/", public.track_detail, name="track_detail"),
    path("track/case/resubmit/", public.complaint_resubmit, name="complaint_resubmit"),
    path("track/case/withdraw/", public.complaint_withdraw, name="complaint_withdraw"),
    path("track/case/survey/", public.track_survey, name="track_survey"),
    path("track/leave/", public.track_leave, name="track_leave"),
    path("survey/<str:token>/", public.survey, name="survey"),
]
