"""Shared by every casework entity: public tracking codes (stored hashed) and the satisfaction survey."""

import hashlib
import secrets

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import District
from markets.models import Market

# Tracking codes avoid look-alike characters (0/O, 1/I/L) so they survive being read out on the phone.
_TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_CODE_LENGTH = 16  # 31^16 ≈ 7·10^23: not guessable, and attempts are rate-limited too


def new_tracking_code() -> str:
    raw = "".join(secrets.choice(_TRACKING_ALPHABET) for _ in range(TRACKING_CODE_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, TRACKING_CODE_LENGTH, 4))


def normalize_tracking_code(code: str) -> str:
    return "".join(c for c in (code or "").upper() if c.isalnum())


def hash_tracking_code(code: str) -> str:
    """Only a keyed hash is stored: the code is a bearer secret, like a password."""
    return hashlib.sha256((settings.SECRET_KEY + ":" + normalize_tracking_code(code)).encode()).hexdigest()



class SurveyQuerySet(models.QuerySet):
    def for_object(self, obj):
        return self.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)


class SatisfactionSurvey(models.Model):
    """One satisfaction answer per closed case (clause (二十二)); feeds operator evaluations."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    market = models.ForeignKey(Market, null=True, blank=True, on_delete=models.PROTECT, related_name="surveys")
    sent_at = models.DateTimeField(default=timezone.now)
    score = models.PositiveSmallIntegerField(
        _("满意度"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("意见建议"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    objects = SurveyQuerySet.as_manager()

    class Meta:
        verbose_name = _("满意度调查")
        verbose_name_plural = _("满意度调查")
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id"], name="one_survey_per_case"),
            models.CheckConstraint(condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=5),
                                   name="survey_score_1_5"),
        ]

    def __str__(self):
        return f"{self.target} {self.score or '-'}"
