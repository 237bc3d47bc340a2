"""The OpenAPI 3 schema at /api/schema/ describes the five resources; /api/docs/ renders it."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.management import call_command
from rest_framework.test import APIClient

from alongside.testing.world import World

pytestmark = pytest.mark.django_db

RESOURCES = ["programs", "participants", "supporters", "enrollments", "contacts"]


@pytest.fixture
def schema() -> dict:
    cache.clear()  # throttling counts live in the cache
    response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_it_is_an_openapi_3_document_listing_the_five_resources(schema: dict) -> None:
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Alongside API"
    for resource in RESOURCES:
        assert f"/api/v1/{resource}/" in schema["paths"]
        assert f"/api/v1/{resource}/{{id}}/" in schema["paths"]
    assert "post" in schema["paths"]["/api/v1/enrollments/{id}/transition/"]
    assert "post" in schema["paths"]["/api/v1/enrollments/{id}/assign/"]


def test_it_says_contacts_are_not_editable_and_offers_no_way_to_edit_them(schema: dict) -> None:
    assert "get" in schema["paths"]["/api/v1/contacts/{id}/"]
    assert not {"put", "patch", "delete"} & set(schema["paths"]["/api/v1/contacts/{id}/"])
    assert not {"put", "patch", "delete"} & set(schema["paths"]["/api/v1/contacts/"])
    assert "cannot be edited" in schema["paths"]["/api/v1/contacts/"]["post"]["description"]


def test_it_documents_the_filters(schema: dict) -> None:
    def parameters(path: str) -> set[str]:
        return {p["name"] for p in schema["paths"][path]["get"]["parameters"]}

    assert {"participant", "enrollment", "since", "function", "outcome", "page"} <= parameters("/api/v1/contacts/")
    assert {"program", "search", "language"} <= parameters("/api/v1/participants/")
    assert {"model", "condition", "is_active"} <= parameters("/api/v1/programs/")
    assert {"program", "status", "participant"} <= parameters("/api/v1/enrollments/")


def test_it_generates_without_warnings() -> None:
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_the_docs_page_renders() -> None:
    cache.clear()
    response = APIClient().get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


def test_the_api_root_links_the_resources(world: World) -> None:
    cache.clear()
    client = APIClient()
    client.force_authenticate(world.cora)
    body = client.get("/api/v1/").json()
    # Feature modules (e.g. followup.api) add their own resources; each tests its own links.
    assert set(RESOURCES) <= set(body)
