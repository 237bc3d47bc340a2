"""Helpers for the few reads written in SQL (set-based aggregates the ORM cannot express)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import QuerySet


def ids_subquery(queryset: QuerySet[Any]) -> tuple[str, tuple[Any, ...]] | None:
    """The SQL (and its parameters) selecting the primary keys of a scoped queryset, for use in
    `... IN (<sql>)`; None when the queryset is empty by construction (`.none()`, an empty IN list)."""
    try:
        sql, params = queryset.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:
        return None
    return sql, tuple(params)
