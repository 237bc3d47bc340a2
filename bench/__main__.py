"""python -m bench [--participants N] [--output docs/benchmarks.md]: the reads pages and reports lean on.
python -m bench followup [--scale default|full] [...]: the follow-up engine at scale (bench/followup.py).
python -m bench groups [--scale default|large] [...]: group series, attendance and their reads (bench/groups.py).
python -m bench directory [--scale default|large] [...]: the resource directory's search (bench/directory.py)."""

from __future__ import annotations

import os
import sys

import django


def run() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alongside.settings")
    django.setup()
    from bench.harness import main

    return main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(run())
