from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from alongside.testing.api import ApiFor, api_client_for
from alongside.testing.browser import phone_page
from alongside.testing.groups import GroupWorld, build_group_world
from alongside.testing.world import World, build_world


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture
def group_world(world: World) -> GroupWorld:
    return build_group_world(world)


@pytest.fixture(autouse=True)
def _immediate_tasks(settings) -> None:  # type: ignore[no-untyped-def]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Throttling counters live in the cache; each test starts with none."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def api() -> ApiFor:
    return api_client_for


@pytest.fixture
def page(live_server) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """A real Chromium page at 360 px; the test's URLs start at live_server.url."""
    yield from phone_page()
