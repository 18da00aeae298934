"""Who may do what: one function that every service and view asks.

A user who is not in the object's team gets ``NotFound`` — the same answer as for an object that
does not exist — so nothing leaks through status codes. A member whose role is too low gets
``Forbidden``: they can already see the object, so saying so leaks nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from common.errors import Forbidden, NotFound
from threatmodel.choices import Role
from threatmodel.models import Membership

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

# What each role is for; the API and the UI show these words.
ACTION_MINIMUM = {
    "read": Role.VIEWER,
    "review": Role.REVIEWER,
    "write": Role.EDITOR,
    "manage": Role.OWNER,
}


def role_in(user: User | AnonymousUser, team_id: int) -> str | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(team_id=team_id, user_id=user.pk).values_list("role", flat=True).first()


def require_role(user: User | AnonymousUser, team_id: int, action: str, *, what: str = "object") -> str:
    """Return the user's role in the team, or raise NotFound (outsider) / Forbidden (role too low)."""
    role = role_in(user, team_id)
    if role is None:
        raise NotFound(f"No such {what}.")
    minimum = ACTION_MINIMUM[action]
    if Role.rank(role) < Role.rank(minimum):
        raise Forbidden(f"Your role in this team is {role}; this needs {minimum} or above.", role=role)
    return role
