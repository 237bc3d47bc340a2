"""/api/v1/directory-services/, /api/v1/directory-taxonomy/ and /api/v1/directory-lookups/: the resource
directory with the same search as the page, its taxonomy, and the services shared with participants.

Like the pages: every role of an organization reads its directory (linkage.access; another organization's
entries are a 404); administrators and coordinators create, change and verify entries through
linkage.directory, whose ValidationError is a 400 with field errors that saves nothing; look-ups are part
of a participant's record, so reading them writes the access log and sharing needs a role that works with
participants (others get a 403).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.views import APIView

from alongside.accounts.models import User
from alongside.api_common import (
    ManagersMayWrite,
    ParticipantRecordViewSet,
    ScopedPrimaryKeyField,
    acting_user,
    service_errors,
)
from alongside.audit.models import AccessChannel
from alongside.audit.services import log_access
from alongside.linkage import access
from alongside.linkage.directory import (
    PHONE_TYPES,
    LocationInput,
    PhoneInput,
    ServiceInput,
    save_service,
    share_with_participant,
    stale_after_days,
    verify_service,
)
from alongside.linkage.hours import describe
from alongside.linkage.models import DirectoryLookup, Location, Phone, Service, ServiceStatus, TaxonomyTerm
from alongside.linkage.search import (
    MAX_RADIUS_KM,
    DirectoryQuery,
    Hit,
    Listing,
    Point,
    check_language,
    listings,
    search,
)
from alongside.people.access import access_participant, enrollments_visible_to, participants_visible_to
from alongside.people.models import Participant
from alongside.programs.models import Enrollment

# ------------------------------------------------------------------------------------------ representation


class DirectoryPhoneSerializer(serializers.ModelSerializer[Phone]):
    class Meta:
        model = Phone
        fields = ["number", "extension", "type", "description"]
        read_only_fields = fields


class DirectoryLocationSerializer(serializers.ModelSerializer[Location]):
    address = serializers.CharField(read_only=True, help_text="The address on one line.")
    map_url = serializers.SerializerMethodField(help_text="OpenStreetMap, marked at the coordinates.")

    class Meta:
        model = Location
        fields = [
            "id",
            "name",
            "address",
            "address_1",
            "address_2",
            "city",
            "state_province",
            "postal_code",
            "country",
            "latitude",
            "longitude",
            "timezone",
            "transportation",
            "map_url",
        ]
        read_only_fields = fields

    def get_map_url(self, location: Location) -> str | None:
        if location.latitude is None or location.longitude is None:
            return None
        return f"https://www.openstreetmap.org/?mlat={location.latitude}&mlon={location.longitude}"


class DirectoryScheduleSerializer(serializers.Serializer[Any]):
    byday = serializers.CharField(help_text="iCalendar days, e.g. MO,TU,WE (1MO: the first Monday).")
    opens_at = serializers.TimeField(allow_null=True)
    closes_at = serializers.TimeField(allow_null=True)
    valid_from = serializers.DateField(allow_null=True)
    valid_to = serializers.DateField(allow_null=True)
    timezone = serializers.CharField(help_text="The zone the times are in.")
    text = serializers.CharField(help_text="The schedule in words.")


class DirectoryServiceSerializer(serializers.ModelSerializer[Service]):
    """A directory entry with its locations, phones and hours, and (in a search) its distance."""

    provider = serializers.CharField(source="resource_organization.name", read_only=True, allow_null=True, default=None)
    verified_by_name = serializers.CharField(
        source="verified_by.display_name", read_only=True, allow_null=True, default=None
    )
    stale = serializers.SerializerMethodField(help_text="Never verified, or verified too long ago.")
    distance_km = serializers.SerializerMethodField(help_text="From the search point to the nearest location.")
    open_now = serializers.SerializerMethodField()
    hours_today = serializers.SerializerMethodField(help_text="e.g. “Open now, until 17:00”.")
    locations = serializers.SerializerMethodField()
    phones = serializers.SerializerMethodField()
    schedules = serializers.SerializerMethodField()

    class Meta:
        model = Service
        fields = [
            "id",
            "hsds_id",
            "name",
            "alternate_name",
            "provider",
            "description",
            "status",
            "is_clinical",
            "url",
            "email",
            "languages",
            "categories",
            "eligibility_description",
            "minimum_age",
            "maximum_age",
            "fees_description",
            "application_process",
            "interpretation_services",
            "alert",
            "verified_on",
            "verified_by",
            "verified_by_name",
            "stale",
            "distance_km",
            "open_now",
            "hours_today",
            "locations",
            "phones",
            "schedules",
        ]
        read_only_fields = fields

    def _listing(self, service: Service) -> Listing:
        listing: Listing = self.context["listings"][service.pk]
        return listing

    def get_stale(self, service: Service) -> bool:
        return service.is_stale(timezone.localdate(), stale_after_days())

    def get_distance_km(self, service: Service) -> float | None:
        km = self._listing(service).distance_km
        return None if km is None else round(km, 3)

    def get_open_now(self, service: Service) -> bool:
        return self._listing(service).opening.open_now

    def get_hours_today(self, service: Service) -> str:
        return self._listing(service).opening.summary

    @extend_schema_field(DirectoryLocationSerializer(many=True))
    def get_locations(self, service: Service) -> Any:
        return DirectoryLocationSerializer(self._listing(service).locations, many=True).data

    @extend_schema_field(DirectoryPhoneSerializer(many=True))
    def get_phones(self, service: Service) -> Any:
        return DirectoryPhoneSerializer(self._listing(service).phones, many=True).data

    @extend_schema_field(DirectoryScheduleSerializer(many=True))
    def get_schedules(self, service: Service) -> Any:
        rows = [
            {
                "byday": s.byday,
                "opens_at": s.opens_at,
                "closes_at": s.closes_at,
                "valid_from": s.valid_from,
                "valid_to": s.valid_to,
                "timezone": zone,
                "text": describe(s),
            }
            for s, zone in self._listing(service).schedules
        ]
        return DirectoryScheduleSerializer(rows, many=True).data


class TaxonomyTermSerializer(serializers.ModelSerializer[TaxonomyTerm]):
    class Meta:
        model = TaxonomyTerm
        fields = ["id", "hsds_id", "code", "name", "description", "taxonomy", "parent", "language", "term_uri"]
        read_only_fields = fields


class DirectoryLookupSerializer(serializers.ModelSerializer[DirectoryLookup]):
    service_name = serializers.CharField(source="service.name", read_only=True)
    shared_by_name = serializers.CharField(source="shared_by.display_name", read_only=True)

    class Meta:
        model = DirectoryLookup
        fields = [
            "id",
            "participant",
            "enrollment",
            "service",
            "service_name",
            "shared_by",
            "shared_by_name",
            "shared_at",
            "shared_on",
            "note",
        ]
        read_only_fields = fields


# ------------------------------------------------------------------------------------------------- input


class DirectoryHoursSerializer(serializers.Serializer[Any]):
    opens = serializers.TimeField(help_text="Local time, e.g. 09:00.")
    closes = serializers.TimeField(help_text="Local time, after opens.")


class DirectoryLocationInputSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(allow_blank=True, default="", max_length=300)
    address_1 = serializers.CharField(allow_blank=True, default="", max_length=300)
    address_2 = serializers.CharField(allow_blank=True, default="", max_length=300)
    city = serializers.CharField(allow_blank=True, default="", max_length=120)
    state_province = serializers.CharField(allow_blank=True, default="", max_length=120)
    postal_code = serializers.CharField(allow_blank=True, default="", max_length=30)
    country = serializers.CharField(allow_blank=True, default="", max_length=2, help_text="ISO 3166-1 alpha-2.")
    latitude = serializers.FloatField(allow_null=True, default=None, help_text="Decimal degrees, -90 to 90.")
    longitude = serializers.FloatField(allow_null=True, default=None, help_text="Decimal degrees, -180 to 180.")
    timezone = serializers.CharField(
        allow_blank=True, default="", max_length=64, help_text="IANA zone; blank: the organization's."
    )
    transportation = serializers.CharField(allow_blank=True, default="", max_length=500)


class DirectoryPhoneInputSerializer(serializers.Serializer[Any]):
    number = serializers.CharField(max_length=40, help_text="Any dialable form; stored as E.164.")
    type = serializers.ChoiceField(choices=[(t, t) for t in PHONE_TYPES], default="voice")
    extension = serializers.CharField(allow_blank=True, default="", max_length=20)
    description = serializers.CharField(allow_blank=True, default="", max_length=500)


class DirectoryServiceInputSerializer(serializers.Serializer[dict[str, Any]]):
    """A directory entry. Shapes only; linkage.directory checks the rest (coordinates on Earth, phones,
    hours, languages, categories of the directory's taxonomy, ages) and says what is wrong. On a PATCH,
    fields left out keep their values; `phones` and `hours`, when given, replace the lists."""

    name = serializers.CharField(max_length=300)
    provider = serializers.CharField(
        allow_blank=True, required=False, max_length=300, help_text="The providing organization's name."
    )
    description = serializers.CharField(allow_blank=True, required=False)
    # Checked by linkage.directory ("Unknown status: ..."); a plain string here keeps the status enum to one
    # schema component (DirectoryServiceStatusEnum) instead of colliding with the other "status" enums.
    status = serializers.CharField(
        required=False, max_length=30, help_text="One of: " + ", ".join(ServiceStatus.values) + "."
    )
    is_clinical = serializers.BooleanField(required=False)
    url = serializers.CharField(allow_blank=True, required=False, max_length=500)
    email = serializers.CharField(allow_blank=True, required=False, max_length=254)
    languages = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, help_text="ISO 639-1 codes (or English names)."
    )
    categories = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="Ids of the directory's taxonomy terms."
    )
    eligibility_description = serializers.CharField(allow_blank=True, required=False)
    minimum_age = serializers.IntegerField(allow_null=True, required=False)
    maximum_age = serializers.IntegerField(allow_null=True, required=False)
    fees_description = serializers.CharField(allow_blank=True, required=False)
    application_process = serializers.CharField(allow_blank=True, required=False)
    location = DirectoryLocationInputSerializer(required=False, allow_null=True, help_text="The first location.")
    phones = DirectoryPhoneInputSerializer(many=True, required=False)
    hours = serializers.DictField(
        child=DirectoryHoursSerializer(),
        required=False,
        help_text="Weekly hours by weekday code (MO..SU); a day left out is closed.",
    )


class DirectoryLookupInputSerializer(serializers.Serializer[dict[str, Any]]):
    participant = ScopedPrimaryKeyField(
        participants_visible_to, noun="participant", queryset=Participant.objects.none()
    )
    service = ScopedPrimaryKeyField(access.services_visible_to, noun="service", queryset=Service.objects.none())
    enrollment = ScopedPrimaryKeyField(
        enrollments_visible_to,
        noun="enrolment",
        queryset=Enrollment.objects.none(),
        required=False,
        allow_null=True,
        help_text="One of the participant's open enrolments; default: the active one, else the newest.",
    )
    note = serializers.CharField(allow_blank=True, default="", max_length=300)


class DirectorySearchSerializer(serializers.Serializer[dict[str, Any]]):
    """The list's query parameters."""

    q = serializers.CharField(required=False, allow_blank=True, max_length=200)
    category = serializers.IntegerField(required=False)
    language = serializers.CharField(required=False, allow_blank=True, max_length=20)
    open_now = serializers.BooleanField(required=False, default=False)
    near = serializers.CharField(required=False, allow_blank=True, max_length=60)
    within_km = serializers.FloatField(required=False, min_value=0.001, max_value=MAX_RADIUS_KM)
    participant = serializers.IntegerField(required=False)
    include_inactive = serializers.BooleanField(required=False, default=False)

    def validate_language(self, value: str) -> str:
        if not value:
            return ""
        try:
            return check_language(value)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from error

    def validate_near(self, value: str) -> Point | None:
        if not value:
            return None
        try:
            return Point.parse(value)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from error

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("within_km") is not None and attrs.get("near") is None and attrs.get("participant") is None:
            raise serializers.ValidationError(
                {"within_km": ["A radius needs a point: give near=lat,lon or participant."]}
            )
        return attrs


# ------------------------------------------------------------------------------------------------- views


def _service_input(data: dict[str, Any], service: Service | None) -> ServiceInput:
    """The write input from the parsed body; on an update, what is left out keeps its current value."""
    current = _current_input(service) if service is not None else ServiceInput(name="")
    simple = [
        "name",
        "provider",
        "description",
        "status",
        "is_clinical",
        "url",
        "email",
        "languages",
        "eligibility_description",
        "minimum_age",
        "maximum_age",
        "fees_description",
        "application_process",
    ]
    for key in simple:
        if key in data:
            setattr(current, key, data[key])
    if "categories" in data:
        current.category_ids = list(data["categories"])
    if "location" in data:
        current.location = LocationInput(**data["location"]) if data["location"] is not None else None
    else:
        current.location = None  # leave the locations as they are
    if "phones" in data:
        current.phones = [PhoneInput(**p) for p in data["phones"]]
    if "hours" in data:
        current.hours = {day.upper(): (h["opens"], h["closes"]) for day, h in data["hours"].items()}
    else:
        current.hours = None
    return current


def _current_input(service: Service) -> ServiceInput:
    return ServiceInput(
        name=service.name,
        provider=service.resource_organization.name if service.resource_organization else "",
        description=service.description,
        status=service.status,
        is_clinical=service.is_clinical,
        url=service.url,
        email=service.email,
        eligibility_description=service.eligibility_description,
        minimum_age=service.minimum_age,
        maximum_age=service.maximum_age,
        fees_description=service.fees_description,
        application_process=service.application_process,
        languages=list(service.languages),
        category_ids=list(service.categories.values_list("pk", flat=True)),
        phones=[
            PhoneInput(p.number, p.type if p.type in PHONE_TYPES else "voice", p.extension, p.description)
            for p in service.phones.order_by("pk")
        ],
    )


SEARCH_PARAMETERS = [
    OpenApiParameter("q", str, description="Words in the name, description or provider (all must match)."),
    OpenApiParameter("category", int, description="A taxonomy term id; its child terms count too."),
    OpenApiParameter("language", str, description="ISO 639-1 code, e.g. es."),
    OpenApiParameter("open_now", bool, description="Only services open at this moment, in their own time zone."),
    OpenApiParameter("near", str, description="A point, latitude,longitude: results nearest first with distance_km."),
    OpenApiParameter("within_km", float, description="Only services this close to `near` (or the participant)."),
    OpenApiParameter(
        "participant", int, description="Search around this participant's locality (their access is logged)."
    ),
    OpenApiParameter("include_inactive", bool, description="Also inactive, closed and defunct services."),
]


class DirectoryPermission(BasePermission):
    """Any role of an organization reads its directory; writes are for managers (ManagersMayWrite)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return access.can_see_directory(request.user)


@extend_schema_view(
    list=extend_schema(
        summary="Search the directory",
        description="The same search as the directory page: nearest first when there is a point (services "
        "without coordinates last, unless a radius is given), else by name.",
        parameters=SEARCH_PARAMETERS,
    ),
    retrieve=extend_schema(summary="One directory entry with its locations, phones and hours"),
)
class DirectoryServiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Service]):
    """Services of the organization's resource directory (Open Referral HSDS shaped). Administrators and
    coordinators add, change and verify them."""

    serializer_class = DirectoryServiceSerializer
    permission_classes = [IsAuthenticated, DirectoryPermission, ManagersMayWrite]
    filter_backends: list[Any] = []
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Service]:
        return access.services_visible_to(self.request.user).order_by("name", "pk")

    def _render(self, hits: Sequence[Hit], many: bool) -> Any:
        rows = listings(hits, timezone.now())
        context = {**self.get_serializer_context(), "listings": {x.service.pk: x for x in rows}}
        services = [x.service for x in rows]
        return DirectoryServiceSerializer(services if many else services[0], many=many, context=context).data

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = acting_user(request)
        parsed = DirectorySearchSerializer(data=request.query_params)
        parsed.is_valid(raise_exception=True)
        data = parsed.validated_data
        point = data.get("near")
        if data.get("participant") is not None:
            participant = access_participant(user, data["participant"])
            log_access(user, [participant.pk], AccessChannel.API, request.get_full_path())
            point = point or Point.of(participant.latitude, participant.longitude)
        query = DirectoryQuery(
            text=data.get("q") or "",
            category_id=data.get("category"),
            language=data.get("language") or "",
            open_now=data["open_now"],
            near=point,
            within_km=data.get("within_km") if point is not None else None,
            include_inactive=data["include_inactive"],
        )
        hits = search(self.get_queryset(), query, access.directory_organization_id(user))
        # The paginator slices any sequence; the ranked hits are not a queryset.
        page: list[Hit] = self.paginate_queryset(hits) or []  # type: ignore[arg-type]
        return self.get_paginated_response(self._render(page, many=True))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        service = self.get_object()
        return Response(self._render([Hit(service.pk, None, None)], many=False))

    def _organization(self, user: User) -> Any:
        if user.organization is None:
            raise serializers.ValidationError({"non_field_errors": ["Your login belongs to no organization."]})
        return user.organization

    @extend_schema(
        summary="Add a directory entry",
        description="With its first location, phones (stored E.164), weekly hours, languages and categories. "
        "All or nothing.",
        request=DirectoryServiceInputSerializer,
        responses={201: DirectoryServiceSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = acting_user(request)
        parsed = DirectoryServiceInputSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        service_input = _service_input(dict(parsed.validated_data), None)
        with service_errors():
            service = save_service(user, self._organization(user), service_input)
        return Response(self._render([Hit(service.pk, None, None)], many=False), status=201)

    @extend_schema(
        summary="Change a directory entry",
        description="Fields left out keep their values; `phones`, `hours` and `categories`, when given, replace "
        "the lists; `location` changes the first location. All or nothing.",
        request=DirectoryServiceInputSerializer,
        responses=DirectoryServiceSerializer,
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = acting_user(request)
        service = self.get_object()
        parsed = DirectoryServiceInputSerializer(data=request.data, partial=True)
        parsed.is_valid(raise_exception=True)
        with service_errors():
            save_service(user, service.organization, _service_input(dict(parsed.validated_data), service), service)
        return Response(self._render([Hit(service.pk, None, None)], many=False))

    @extend_schema(summary="Mark verified today by you", request=None, responses=DirectoryServiceSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request: Request, pk: str) -> Response:
        service = self.get_object()
        verify_service(acting_user(request), service)
        return Response(self._render([Hit(service.pk, None, None)], many=False))


class TaxonomyFilter(django_filters.FilterSet):
    parent = django_filters.NumberFilter()
    taxonomy = django_filters.CharFilter()

    class Meta:
        model = TaxonomyTerm
        fields = ["parent", "taxonomy"]


@extend_schema_view(
    list=extend_schema(summary="The directory's taxonomy terms", description="Filter by ?parent= and ?taxonomy=."),
    retrieve=extend_schema(summary="One taxonomy term"),
)
class TaxonomyTermViewSet(viewsets.ReadOnlyModelViewSet[TaxonomyTerm]):
    """Categories of directory entries (hierarchical: searching a term includes the terms under it)."""

    serializer_class = TaxonomyTermSerializer
    permission_classes = [IsAuthenticated, DirectoryPermission]
    filterset_class = TaxonomyFilter

    def get_queryset(self) -> QuerySet[TaxonomyTerm]:
        return access.terms_visible_to(self.request.user).order_by("name", "pk")


class MayShare(BasePermission):
    message = "Your role does not share directory entries with participants."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in SAFE_METHODS or access.can_share(request.user)


class LookupFilter(django_filters.FilterSet):
    participant = django_filters.NumberFilter()
    enrollment = django_filters.NumberFilter()
    service = django_filters.NumberFilter()

    class Meta:
        model = DirectoryLookup
        fields = ["participant", "enrollment", "service"]


@extend_schema_view(
    list=extend_schema(
        summary="Services shared with participants you can see",
        description="Filter by ?participant=, ?enrollment=, ?service=. Each participant shown is logged.",
    ),
    retrieve=extend_schema(summary="One look-up"),
)
class DirectoryLookupViewSet(mixins.CreateModelMixin, ParticipantRecordViewSet[DirectoryLookup]):
    """A directory entry shared with a participant: counts as linkage delivered on the enrolment."""

    serializer_class = DirectoryLookupSerializer
    permission_classes = [IsAuthenticated, MayShare]
    filterset_class = LookupFilter
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[DirectoryLookup]:
        return (
            access.lookups_visible_to(self.request.user)
            .select_related("service", "shared_by")
            .order_by("-shared_at", "-pk")
        )

    @extend_schema(
        summary="Share a service with a participant",
        description="Records the look-up on one of the participant's open enrolments you may see.",
        request=DirectoryLookupInputSerializer,
        responses={201: DirectoryLookupSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        parsed = DirectoryLookupInputSerializer(data=request.data, context=self.get_serializer_context())
        parsed.is_valid(raise_exception=True)
        data = parsed.validated_data
        with service_errors():
            lookup = share_with_participant(
                acting_user(request),
                data["participant"],
                data["service"],
                enrollment=data.get("enrollment"),
                note=data["note"],
            )
        return self.render(lookup, status=201)


def register(router: DefaultRouter) -> None:
    router.register("directory-services", DirectoryServiceViewSet, basename="directory-service")
    router.register("directory-taxonomy", TaxonomyTermViewSet, basename="directory-taxonomy")
    router.register("directory-lookups", DirectoryLookupViewSet, basename="directory-lookup")
