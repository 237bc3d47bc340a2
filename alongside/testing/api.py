from __future__ import annotations

from collections.abc import Callable

from rest_framework.test import APIClient

from alongside.accounts.models import User

# The `api` fixture (conftest.py): api(user) is an APIClient authenticated as that user.
ApiFor = Callable[[User], APIClient]


def api_client_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client
