"""manage.py import_hsds <path> --organization <slug>: HSDS 3.0 data into an organization's directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from alongside.accounts.models import Organization
from alongside.linkage.hsds.importer import import_path


class Command(BaseCommand):
    help = (
        "Imports Open Referral HSDS 3.0 data into an organization's resource directory: a JSON file (a service, "
        "an organization, or a list of either), a zip of the CSV tables, or a folder holding them. Records with "
        "the same HSDS id are updated, not added again. Prints the report; every record with a problem is "
        "listed with where it is and why. Exits with an error when the file cannot be read (nothing imported)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="A .json file, a .zip of CSV tables, or a folder of them.")
        parser.add_argument("--organization", required=True, help="Slug of the organization to import into.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.exists():
            raise CommandError(f"{path} does not exist.")
        try:
            organization = Organization.objects.get(slug=options["organization"])
        except Organization.DoesNotExist as error:
            raise CommandError(f"No organization with the slug “{options['organization']}”.") from error
        report = import_path(organization, path)
        if report.format_error:
            raise CommandError("\n".join(report.lines()))
        for line in report.lines():
            self.stdout.write(line)
