"""The resource directory on a phone: search (category, language, open now, within N km, text), a
service's page, and sharing a service with a participant.

Every role of an organization reads its directory (entries hold no personal data). With
`?participant=<id>` (someone the user may see: people.access) the search runs around that person's
locality and each result offers "Share with <name>"; that page shows a participant's data, so it writes
the access log. Filters are plain GET parameters: the page works without JavaScript and a search can be
bookmarked; a filter that does not parse is reported and left out, never fatal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from alongside.accounts.models import Role, User
from alongside.audit.models import AccessChannel
from alongside.audit.services import log_access
from alongside.linkage import access
from alongside.linkage.directory import share_with_participant, stale_after_days
from alongside.linkage.hours import describe
from alongside.linkage.models import Service, TaxonomyTerm
from alongside.linkage.search import (
    MAX_RADIUS_KM,
    DirectoryQuery,
    Hit,
    Listing,
    Point,
    listing_for,
    listings,
    search,
)
from alongside.people.access import access_participant
from alongside.people.models import Participant
from alongside.people.phones import display_phone
from alongside.taxonomy import LANGUAGE_CHOICES, LANGUAGE_NAMES
from alongside.web.guards import current_user, require

PAGE_SIZE = 20


def term_choices(terms: list[TaxonomyTerm]) -> list[tuple[str, str]]:
    """The taxonomy as a flat list in tree order, children indented under their parent."""
    children: dict[int | None, list[TaxonomyTerm]] = {}
    known = {t.pk for t in terms}
    for term in terms:
        parent = term.parent_id if term.parent_id in known else None
        children.setdefault(parent, []).append(term)
    out: list[tuple[str, str]] = []
    seen: set[int] = set()

    def walk(parent: int | None, depth: int) -> None:
        for term in sorted(children.get(parent, []), key=lambda t: t.name.lower()):
            if term.pk in seen:
                continue
            seen.add(term.pk)
            out.append((str(term.pk), "\u2003" * depth + term.name))
            walk(term.pk, depth + 1)

    walk(None, 0)
    return out


class DirectorySearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label="Search by name or description")
    category = forms.ChoiceField(required=False, label="Category")
    language = forms.ChoiceField(required=False, label="Language", choices=[("", "Any language"), *LANGUAGE_CHOICES])
    open_now = forms.BooleanField(required=False, label="Open now")
    within_km = forms.FloatField(
        required=False,
        min_value=0.1,
        max_value=MAX_RADIUS_KM,
        label="Within (km)",
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
    )
    near = forms.CharField(
        required=False,
        max_length=60,
        label="Near (latitude, longitude)",
        help_text="e.g. 40.7128, -74.0060. Leave blank to search around the person, if any.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, terms: list[TaxonomyTerm], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "Any category"), *term_choices(terms)]

    def clean_near(self) -> Point | None:
        text = (self.cleaned_data.get("near") or "").strip()
        if not text:
            return None
        try:
            return Point.parse(text)
        except ValueError as error:
            raise ValidationError(str(error)) from error


def valid_filters(form: DirectorySearchForm) -> dict[str, Any]:
    """The filters that parsed; a field with an error is left out (and shown with its error)."""
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    return {name: data.get(name) for name in form.fields if name not in form.errors}


@dataclass
class ResultLine:
    listing: Listing
    phones: list[tuple[str, str]]  # (E.164 for tel:, as displayed)
    languages: list[str]
    shared_on: date | None


def result_lines(page_listings: list[Listing], shared: dict[int, date]) -> list[ResultLine]:
    return [
        ResultLine(
            listing=x,
            phones=[(p.number, display_phone(p.number)) for p in x.phones if p.type not in ("fax",)],
            languages=[LANGUAGE_NAMES.get(code, code) for code in x.service.languages],
            shared_on=shared.get(x.service.pk),
        )
        for x in page_listings
    ]


def own_participant(user: User) -> Participant | None:
    if user.role != Role.PARTICIPANT:
        return None
    return Participant.objects.filter(user=user).first()


def participant_from(request: HttpRequest, user: User) -> Participant | None:
    """The person the search is for (?participant=), in scope or a 404; its access is logged."""
    raw = request.GET.get("participant", "")
    if not raw:
        return None
    participant = access_participant(user, raw)
    log_access(user, [participant.pk], AccessChannel.PAGE, request.get_full_path())
    return participant


def shared_with(user: User, participant: Participant | None, service_ids: list[int]) -> dict[int, date]:
    """{service id: the last day it was shared with the participant}, among look-ups the user may see."""
    if participant is None or not service_ids:
        return {}
    rows = (
        access.lookups_visible_to(user)
        .filter(participant=participant, service_id__in=service_ids)
        .values("service_id")
        .annotate(last=Max("shared_on"))
    )
    return {row["service_id"]: row["last"] for row in rows}


@login_required
def directory(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    require(access.can_see_directory(user))
    participant = participant_from(request, user)
    terms = list(access.terms_visible_to(user).order_by("name", "pk"))
    form = DirectorySearchForm(request.GET or None, terms=terms)
    filters = valid_filters(form) if request.GET else {}

    point: Point | None = filters.get("near")
    point_of = "the place you gave" if point else ""
    person = participant or own_participant(user)
    if point is None and person is not None:
        point = Point.of(person.latitude, person.longitude)
        point_of = "your locality" if participant is None else f"{person.preferred_name}'s locality"
    within_km = filters.get("within_km") if point is not None else None
    category = filters.get("category") or ""
    query = DirectoryQuery(
        text=filters.get("q") or "",
        category_id=int(category) if category else None,
        language=filters.get("language") or "",
        open_now=bool(filters.get("open_now")),
        near=point,
        within_km=within_km,
    )
    hits = search(access.services_visible_to(user), query, access.directory_organization_id(user))
    page: Page[Hit] = Paginator(hits, PAGE_SIZE).get_page(request.GET.get("page"))
    page_listings = listings(list(page.object_list), timezone.now())
    shared = shared_with(user, participant, [x.service.pk for x in page_listings])
    enrollments = list(access.shareable_enrollments(user, participant)) if participant else []

    base = request.GET.copy()
    base.pop("page", None)
    context = {
        "form": form,
        "participant": participant,
        "lines": result_lines(page_listings, shared),
        "page": page,
        "total": len(hits),
        "point": point,
        "point_of": point_of,
        "radius_ignored": bool(filters.get("within_km")) and point is None,
        "no_locality": participant is not None and point is None,
        "may_share": participant is not None and access.can_share(user) and bool(enrollments),
        "cannot_share_reason": share_blocker(user, participant, enrollments),
        "query_string": base.urlencode(),
        "here": request.get_full_path(),
        "filtered": query.filtered or bool(filters.get("near")),
        "may_curate": access.can_curate(user),
        "viewer_is_participant": user.role == Role.PARTICIPANT,
    }
    return render(request, "linkage/directory.html", context)


def share_blocker(user: User, participant: Participant | None, enrollments: list[Any]) -> str:
    """Why there are no share buttons for this person, in words ("" when there are, or no person)."""
    if participant is None or not access.can_share(user):
        return ""
    if not enrollments:
        return f"{participant.full_name} has no open enrolment you work on, so sharing cannot be recorded."
    return ""


@login_required
def service(request: HttpRequest, service_id: int) -> HttpResponse:
    user = current_user(request)
    require(access.can_see_directory(user))
    entry = access.access_service(user, service_id)
    participant = participant_from(request, user)
    listing = listing_for(Service.objects.get(pk=entry.pk), timezone.now())
    enrollments = list(access.shareable_enrollments(user, participant)) if participant else []
    today = timezone.localdate()
    context = {
        "service": listing.service,
        "listing": listing,
        "line": result_lines([listing], shared_with(user, participant, [entry.pk]))[0],
        "schedules": [(describe(s), zone) for s, zone in listing.schedules],
        "phones": [(p, display_phone(p.number)) for p in listing.phones],
        "categories": list(listing.service.categories.all()),
        "participant": participant,
        "may_share": participant is not None and access.can_share(user) and bool(enrollments),
        "enrollments": enrollments,
        "cannot_share_reason": share_blocker(user, participant, enrollments),
        "may_curate": access.may_curate_service(user, entry),
        "stale": entry.is_stale(today, stale_after_days()),
        "here": request.get_full_path(),
    }
    return render(request, "linkage/service.html", context)


def safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


@login_required
@require_POST
def share(request: HttpRequest, service_id: int) -> HttpResponse:
    user = current_user(request)
    require(access.can_share(user))
    entry = access.access_service(user, service_id)
    participant = access_participant(user, request.POST.get("participant", ""))
    fallback = f"{reverse('linkage:directory')}?participant={participant.pk}"
    enrollment = None
    raw = request.POST.get("enrollment", "")
    if raw:
        choices = access.shareable_enrollments(user, participant)
        enrollment = choices.filter(pk=int(raw)).first() if raw.isdigit() else None
        if enrollment is None:
            messages.error(request, "Choose one of the person's open enrolments that you work on.")
            return redirect(safe_next(request, fallback))
    try:
        lookup = share_with_participant(
            user, participant, entry, enrollment=enrollment, note=request.POST.get("note", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"Shared {entry.name} with {participant.full_name} ({lookup.enrollment.program.name})."
        )
    return redirect(safe_next(request, fallback))


urlpatterns: list[URLPattern] = [
    path("directory/", directory, name="directory"),
    path("directory/services/<int:service_id>/", service, name="service"),
    path("directory/services/<int:service_id>/share/", share, name="share"),
]
