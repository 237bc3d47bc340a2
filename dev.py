#!/usr/bin/env python3
"""Alongside's one entry point for developers: needs only Python >= 3.11 on the machine.

    python3 dev.py up      create .venv from the lock file, migrate, load demo data, serve on :8000
                           (with the task worker and the scheduler of periodic jobs)
    python3 dev.py test    run the whole test suite (extra args go to pytest)
    python3 dev.py lint    ruff (lint + format check) and mypy
    python3 dev.py bench   run the benchmark harness in bench/
    python3 dev.py lock    re-resolve requirements*.in into the hashed lock files

The virtualenv is rebuilt whenever the lock file changes (a hash of it is kept in .venv).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
LOCK = ROOT / "requirements-dev.txt"
STAMP = VENV / ".lock-hash"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
HOST, PORT = "127.0.0.1", "8000"


def run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    result = subprocess.run([str(a) for a in args], cwd=ROOT, env=env)
    if result.returncode != 0:
        sys.exit(result.returncode)


def ensure_environment() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036  (dev.py may be started by an older python3)
        sys.exit("Alongside needs Python >= 3.11; this is " + sys.version.split()[0])
    wanted = hashlib.sha256(LOCK.read_bytes()).hexdigest()
    if PYTHON.exists() and STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    print("Creating .venv from requirements-dev.txt (pinned, hashed) ...", flush=True)
    if not PYTHON.exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    run(PYTHON, "-m", "pip", "install", "--quiet", "--quiet", "--require-hashes", "--no-deps", "-r", LOCK)
    STAMP.write_text(wanted)


def manage(*args: str) -> None:
    run(PYTHON, "manage.py", *args)


def up() -> None:
    ensure_environment()
    manage("migrate", "--no-input", "-v", "0")
    manage("seed_demo")
    # The task worker and the scheduler of periodic jobs run beside the web server, as in production.
    background = [
        subprocess.Popen([str(PYTHON), "manage.py", "db_worker", "-v", "0"], cwd=ROOT),
        subprocess.Popen([str(PYTHON), "manage.py", "scheduler", "-v", "0"], cwd=ROOT),
    ]
    print(f"\nAlongside is running at http://{HOST}:{PORT}/  (Ctrl-C stops it)\n", flush=True)
    try:
        subprocess.run([str(PYTHON), "manage.py", "runserver", f"{HOST}:{PORT}"], cwd=ROOT)
    except KeyboardInterrupt:
        pass
    finally:
        stop(background)


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM lets each finish its current task or tick; one that hangs is killed."""
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test(extra: list[str]) -> None:
    ensure_environment()
    # Both cores by default; any arguments (a file, -k, -x) run as given, in one process.
    run(PYTHON, "-m", "pytest", *(extra or ["-n", "auto"]))


def lint() -> None:
    ensure_environment()
    run(BIN / "ruff", "check", ".")
    run(BIN / "ruff", "format", "--check", ".")
    run(BIN / "mypy")


def bench(extra: list[str]) -> None:
    ensure_environment()
    run(PYTHON, "-m", "bench", *extra)


def lock() -> None:
    ensure_environment()
    run(PYTHON, "-m", "pip", "install", "--quiet", "pip-tools")
    common = [
        "--quiet",
        "--strip-extras",
        "--generate-hashes",
        "--allow-unsafe",
        "--no-emit-index-url",
        "--no-emit-find-links",
    ]
    run(PYTHON, "-m", "piptools", "compile", *common, "-o", "requirements.txt", "requirements.in")
    run(PYTHON, "-m", "piptools", "compile", *common, "-o", "requirements-dev.txt", "requirements-dev.in")


def main(argv: list[str]) -> None:
    command, extra = (argv[0], argv[1:]) if argv else ("up", [])
    commands = {
        "up": lambda: up(),
        "test": lambda: test(extra),
        "lint": lambda: lint(),
        "bench": lambda: bench(extra),
        "lock": lambda: lock(),
    }
    if command not in commands:
        sys.exit(__doc__)
    commands[command]()


if __name__ == "__main__":
    main(sys.argv[1:])
