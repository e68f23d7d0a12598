"""Template tags of wage claims: the repeat-offender badge for any case list (wage claims, complaints,
mediation) without changing the list's view."""

from django import template
from django.template.loader import render_to_string

from ..repeat_offenders import flag_rows

register = template.Library()

_FIELDS = {
    "WageClaim": ("employer_name", "employer_credit_code"),
    "Complaint": ("respondent_name", "respondent_credit_code"),
    "MediationCase": ("respondent_name", "respondent_credit_code"),
}


@register.simple_tag(takes_context=True)
def repeat_offender_badge(context, row, rows=None):
    """``{% repeat_offender_badge c page %}`` inside a list's loop: the badge when ``c``'s employer has at
    least the threshold of cases the viewer may see. The counts for the whole ``rows`` (the page) are made
    once, on the first row (three grouped queries per page)."""
    request = context.get("request")
    if request is None or row is None:
        return ""
    name_attr, code_attr = _FIELDS[type(row).__name__]
    holder = rows if rows is not None else row
    flags = getattr(holder, "_repeat_offender_flags", None)
    if flags is None:
        items = list(getattr(rows, "object_list", rows)) if rows is not None else [row]
        flags = {(type(r), r.pk): r.repeat_offender
                 for r in flag_rows(items, request.user, name_attr=name_attr, code_attr=code_attr)}
        try:
            holder._repeat_offender_flags = flags
        except AttributeError:  # a plain list: flag per call
            pass
    flag = flags.get((type(row), row.pk))
    if flag is None and (type(row), row.pk) not in flags:
        (row,) = flag_rows([row], request.user, name_attr=name_attr, code_attr=code_attr)
        flag = row.repeat_offender
    if flag is None:
        return ""
    row.repeat_offender = flag
    return render_to_string("casework/_repeat_offender.html", {"row": row})


@register.simple_tag(takes_context=True)
def wageclaim_for_mediation(context, case):
    """For the mediation case page: ``{"claim": the linked claim}`` if one exists, else ``{"url": …}`` to
    open one when the mediation failed or was not performed and the viewer may add claims; else {}."""
    from django.urls import reverse

    from ..models import WageClaim
    from ..services.wage import mediation_eligible_for_claim

    request = context.get("request")
    claim = WageClaim.objects.filter(source_mediation=case).only("number").first()
    if claim is not None:
        return {"claim": claim}
    if (request is not None and request.user.has_perm("casework.add_wageclaim")
            and mediation_eligible_for_claim(case)):
        return {"url": reverse("wageclaim:wageclaim_from_mediation", kwargs={"number": case.number})}
    return {}
