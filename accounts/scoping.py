"""Who may see what. Every model's ``visible_to(user)`` is built from these helpers, so the rules live
in one place: district staff see their district, bureau officials and admins everything, partners only
what was referred to their organisation, operators only their own markets, anyone else nothing.

Out-of-scope records answer 404, not 403: a district-B user must not learn that a district-A case
number exists (decided once here; ``tests/accounts/test_scoping_routes.py`` holds every route to it).
"""

from django.db.models import Q

from .roles import Role


def is_citywide(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and (
        user.is_superuser or user.has_role(*Role.CITYWIDE)))


def is_district_staff(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.district_id
                and user.has_role(*Role.DISTRICT_STAFF))


def is_staff_member(user) -> bool:
    return is_citywide(user) or is_district_staff(user)


def district_q(user, field: str = "district") -> Q:
    """A filter limiting ``field`` (a District FK path) to what ``user`` may see; matches nothing for
    users without a staff role."""
    if is_citywide(user):
        return Q()
    if is_district_staff(user):
        return Q(**{f"{field}_id": user.district_id})
    return Q(pk__in=[])


def operator_org_id(user):
    if user and user.is_authenticated and user.is_active and user.has_role(Role.OPERATOR):
        return user.organization_id
    return None


def partner_org_id(user):
    if user and user.is_authenticated and user.is_active and user.has_role(Role.LEGAL_AID):
        return user.organization_id
    return None
