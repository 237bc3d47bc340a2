"""Exchanging the resource directory as Open Referral HSDS 3.0: an import page (a JSON file or a zip of the
CSV tables, then the report row by row) for coordinators and admins, and JSON and CSV downloads for the
organization-wide roles. Directory entries hold no personal data, so no access log is written.

Records go into the user's own organization. `?organization=<slug>` names it explicitly (a superuser, who
belongs to none, picks one this way); naming another organization is a 404, as is any page out of reach.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from alongside.accounts.models import Organization, User
from alongside.linkage.hsds.exporter import export_csv_zip, export_json_bytes
from alongside.linkage.hsds.importer import import_upload
from alongside.people import access
from alongside.web.guards import current_user, require

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
ACCEPTED_SUFFIXES = (".json", ".zip", ".csv")


class ImportForm(forms.Form):
    file = forms.FileField(
        label="HSDS file",
        help_text=(
            "A JSON file (a service or an organization with what is nested in it, or a list of them), or a zip "
            "of the CSV tables (services.csv, organizations.csv, locations.csv…). At most 20 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ACCEPTED_SUFFIXES)}),
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if (upload.size or 0) > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 20 MB.")
        if not (upload.name or "").lower().endswith(ACCEPTED_SUFFIXES):
            raise forms.ValidationError("Choose a .json file, or a .zip of the CSV tables.")
        return upload


def _organization(request: HttpRequest, user: User) -> Organization:
    """The organization whose directory the page works on: the user's own (or, for a superuser, the one named
    by ?organization=<slug>). Any other is a 404."""
    slug = request.GET.get("organization", "")
    if slug:
        organization = Organization.objects.filter(slug=slug).first()
        require(organization is not None and (user.is_superuser or organization.pk == user.organization_id))
    else:
        organization = user.organization
        require(organization is not None)
    assert organization is not None
    return organization


@login_required
def import_directory(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    require(access.can_manage(user))
    organization = _organization(request, user)
    report = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            report = import_upload(organization, upload.name, upload.read())
            form = ImportForm()
    else:
        form = ImportForm()
    return render(
        request,
        "linkage/exchange_import.html",
        {"form": form, "report": report, "organization": organization, "query": _query(request)},
    )


def _query(request: HttpRequest) -> str:
    """The organization named in the URL, carried on to the form and the download links."""
    slug = request.GET.get("organization", "")
    return urlencode({"organization": slug}) if slug else ""


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def export_json(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    require(access.is_organization_wide(user))
    organization = _organization(request, user)
    stamp = timezone.localdate().isoformat()
    return _download(
        export_json_bytes(organization), "application/json", f"hsds-services-{organization.slug}-{stamp}.json"
    )


@login_required
@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    require(access.is_organization_wide(user))
    organization = _organization(request, user)
    stamp = timezone.localdate().isoformat()
    return _download(export_csv_zip(organization), "application/zip", f"hsds-{organization.slug}-{stamp}.zip")


urlpatterns: list[URLPattern] = [
    path("directory/import/", import_directory, name="import"),
    path("directory/export/hsds.json", export_json, name="export_json"),
    path("directory/export/hsds-csv.zip", export_csv, name="export_csv"),
]
