"""Rights-protection casework: complaints (投诉举报) now; mediation, wage claims and referrals follow the same
pattern (one FSM ``status`` per entity, services as the only writers, a viewflow flow for who acts next).
One module per entity; everything is importable from ``casework.models``."""

from .common import (TRACKING_CODE_LENGTH, SatisfactionSurvey, SurveyQuerySet, hash_tracking_code,
                     new_tracking_code, normalize_tracking_code)
from .complaints import REOPEN_WINDOW, Complaint, ComplaintNote, ComplaintProcess, ComplaintQuerySet
from .mediation import (MEDIATION_LIMIT_DAYS, AgreementObligation, MediationAgreement, MediationCase, MediationClaim,
                        MediationExtension, MediationParty, MediationProcess, MediationSession, MediatorConflict)
from .wage import (EmployerMention, WageClaim, WageClaimProcess, WageClaimQuerySet, WageClaimWorker,
                   employer_q)
from .referrals import DEFAULT_PACKET_FIELDS, PACKET_FIELDS, Referral, ReferralConsent, ReferralUpdate

__all__ = [
    "DEFAULT_PACKET_FIELDS", "PACKET_FIELDS", "Referral", "ReferralConsent", "ReferralUpdate",
    "REOPEN_WINDOW", "TRACKING_CODE_LENGTH", "Complaint", "ComplaintNote", "ComplaintProcess", "ComplaintQuerySet",
    "MEDIATION_LIMIT_DAYS", "AgreementObligation", "MediationAgreement", "MediationCase", "MediationClaim",
    "MediationExtension", "MediationParty", "MediationProcess", "MediationSession", "MediatorConflict",
    "EmployerMention", "WageClaim", "WageClaimProcess", "WageClaimQuerySet", "WageClaimWorker", "employer_q",
    "SatisfactionSurvey", "SurveyQuerySet", "hash_tracking_code", "new_tracking_code", "normalize_tracking_code",
]
