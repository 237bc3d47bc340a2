"""Production refuses to start with unsafe defaults; bad environment values fail loudly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from alongside.env import env_bool, env_int, env_str

ROOT = Path(__file__).resolve().parents[2]


def load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"}}
    return subprocess.run(
        [sys.executable, "-c", "import alongside.settings"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_the_development_secret_key() -> None:
    result = load_settings(DEBUG="false", ALLOWED_HOSTS="example.org", DATABASE_URL="postgres://x@y/z")
    assert result.returncode != 0 and "Set SECRET_KEY" in result.stderr


def test_production_refuses_to_run_without_allowed_hosts_or_database() -> None:
    key = "k" * 50
    assert "Set ALLOWED_HOSTS" in load_settings(DEBUG="false", SECRET_KEY=key).stderr
    assert "Set DATABASE_URL" in load_settings(DEBUG="false", SECRET_KEY=key, ALLOWED_HOSTS="example.org").stderr


def test_production_starts_with_safe_settings() -> None:
    result = load_settings(
        DEBUG="false", SECRET_KEY="k" * 50, ALLOWED_HOSTS="example.org", DATABASE_URL="postgres://x@y/z"
    )
    assert result.returncode == 0, result.stderr


def test_bad_values_fail_loudly(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ALONGSIDE_TEST_FLAG", "perhaps")
    with pytest.raises(ImproperlyConfigured, match="not a boolean"):
        env_bool("ALONGSIDE_TEST_FLAG", False)
    monkeypatch.setenv("ALONGSIDE_TEST_NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured, match="not an integer"):
        env_int("ALONGSIDE_TEST_NUMBER", 1)


def test_secrets_can_come_from_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("ALONGSIDE_TEST_SECRET_FILE", str(secret))
    assert env_str("ALONGSIDE_TEST_SECRET", "default") == "from-a-file"
