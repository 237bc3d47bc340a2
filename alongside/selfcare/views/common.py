"""What the pages of this app share: the contact or session a page works in (from ?contact= and
?session=), and where to go back to (?next=, same site only)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import Http404, HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from alongside.accounts.models import User
from alongside.contacts.models import Contact
from alongside.groups.access import access_session
from alongside.groups.models import GroupSession
from alongside.people.access import contacts_visible_to
from alongside.programs.models import Enrollment


@dataclass(frozen=True)
class WorkContext:
    """Where the plan or reading is being made: a contact, a group session, or neither."""

    contact: Contact | None = None
    session: GroupSession | None = None
    next_url: str = ""

    def query(self) -> str:
        """The same context as a query string ("?session=4&next=..."), for links and form actions."""
        params: dict[str, str | int] = {}
        if self.contact is not None:
            params["contact"] = self.contact.pk
        if self.session is not None:
            params["session"] = self.session.pk
        if self.next_url:
            params["next"] = self.next_url
        return f"?{urlencode(params)}" if params else ""


def _id(raw: str) -> int:
    if not raw.isdigit():
        raise Http404("No such record.")
    return int(raw)


def safe_next(request: HttpRequest) -> str:
    raw = request.GET.get("next", "")
    allowed = url_has_allowed_host_and_scheme(
        raw, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return raw if raw and allowed else ""


def work_context(request: HttpRequest, user: User, enrollment: Enrollment) -> WorkContext:
    """The ?contact= and ?session= of the request, each fetched through the user's scope and checked to be
    about this enrolment (404 otherwise: a stale or hand-made link names nothing the user can act in)."""
    contact: Contact | None = None
    session: GroupSession | None = None
    if raw := request.GET.get("contact", ""):
        contact = contacts_visible_to(user).filter(pk=_id(raw), enrollment=enrollment).first()
        if contact is None:
            raise Http404("No such contact.")
    if raw := request.GET.get("session", ""):
        session = access_session(user, _id(raw))
    return WorkContext(contact=contact, session=session, next_url=safe_next(request))
