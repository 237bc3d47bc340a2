"""manage.py export_hsds --organization <slug> --format json|csv <path>: an organization's directory as
HSDS 3.0."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from alongside.accounts.models import Organization
from alongside.linkage.hsds.exporter import export_csv_files, export_csv_zip, export_json_bytes


class Command(BaseCommand):
    help = (
        "Exports an organization's resource directory as Open Referral HSDS 3.0: --format json writes a list of "
        "services with everything about them nested; --format csv writes the CSV tables and datapackage.json, "
        "as a zip when the path ends in .zip, else into that folder (created if missing)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The file (or, for CSV, a folder or .zip) to write.")
        parser.add_argument("--organization", required=True, help="Slug of the organization to export.")
        parser.add_argument("--format", choices=["json", "csv"], default="json")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        try:
            organization = Organization.objects.get(slug=options["organization"])
        except Organization.DoesNotExist as error:
            raise CommandError(f"No organization with the slug “{options['organization']}”.") from error
        if options["format"] == "json":
            path.write_bytes(export_json_bytes(organization))
        elif path.suffix.lower() == ".zip":
            path.write_bytes(export_csv_zip(organization))
        else:
            path.mkdir(parents=True, exist_ok=True)
            for name, content in export_csv_files(organization).items():
                (path / name).write_bytes(content)
        self.stdout.write(f"Wrote {path} ({options['format']}).")
