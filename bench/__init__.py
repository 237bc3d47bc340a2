"""Benchmark harness: `python -m bench` (see docs/benchmarks.md). Modules here import Django models, so
import them only after django.setup() (bench/__main__.py does it; pytest-django does it for the tests)."""
