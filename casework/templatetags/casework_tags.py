"""The Chinese date filters (``cn_date``, ``cn_datetime``) under the name the casework, inspections and
mediation templates load; they live in core/templatetags/cn_dates.py, for every app."""

from core.templatetags.cn_dates import cn_date, cn_datetime, register  # noqa: F401
