"""manage.py seed_demo: load the demo organization, or, when it is there already, just reset the demo
logins' passwords. Prints the logins either way."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from alongside.accounts.models import Role
from alongside.web.demo import DEFAULT_SEED, DEMO_LOGINS, DEMO_PASSWORD, ORGANIZATION_NAME, seed_demo


def logins_table() -> str:
    """The demo logins as a plain-text table: username / password / role / what they see first."""
    rows = [("username", "password", "role", "sees first")]
    rows += [(login.username, DEMO_PASSWORD, Role(login.role).label, login.first_screen) for login in DEMO_LOGINS]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = ["  ".join([*(cell.ljust(w) for cell, w in zip(row[:3], widths, strict=True)), row[3]]) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in [*widths, len(rows[0][3])]))
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        f"Loads the demo organization ({ORGANIZATION_NAME}): a program of each of the seven models, staff, "
        "supporters, ~150 participants and six months of contacts. Safe to run twice. Demo only: every demo "
        f"login has the public password {DEMO_PASSWORD!r}."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Erase the WHOLE database (manage.py flush) first, then load the demo dated from today. "
            "Refused unless DEBUG is on.",
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Random seed (default %(default)s).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["reset"]:
            if not settings.DEBUG:
                raise CommandError("--reset erases the whole database; it is refused when DEBUG is off.")
            call_command("flush", interactive=False, verbosity=0)
        try:
            result = seed_demo(seed=options["seed"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        counts = ", ".join(f"{n} {name}" for name, n in result.counts.items())
        if result.created:
            self.stdout.write(self.style.SUCCESS(f"Loaded the demo organization {result.organization}: {counts}."))
        else:
            self.stdout.write(
                f"The demo organization {result.organization} is already loaded ({counts}); nothing added. "
                "Demo passwords reset. (--reset reloads it dated from today.)"
            )
        self.stdout.write("")
        self.stdout.write(logins_table())
        self.stdout.write("")
        self.stdout.write(self.style.WARNING("Demo only: these passwords are public. Never seed a real database."))
