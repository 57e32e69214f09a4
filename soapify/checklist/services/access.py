"""Who may change checklist content: admins the global rows, doctors their own."""

from __future__ import annotations

from soapify.checklist.models import ChecklistCatalog, ChecklistTemplate
from soapify.core.errors import Forbidden, NotFound
from soapify.core.permissions import is_admin


def check_writable(*, user, obj: ChecklistCatalog | ChecklistTemplate) -> None:
    """The caller may see ``obj`` (the view scoped it); may it also change it?"""
    if obj.owner_id is None:
        if not is_admin(user):
            raise Forbidden("Only administrators may change global checklist content.", code="forbidden")
    elif obj.owner_id != user.pk:  # pragma: no cover - out-of-scope objects are 404 before this
        raise NotFound()


def owner_for_new(user):
    """Admins write global content (owner null); doctors write private content (owner = self)."""
    return None if is_admin(user) else user
