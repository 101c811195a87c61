"""DayZero's cursor pagination: `cursor`, `limit` (<= 100), `direction` next|prev, `include_total_count`.

Keyset pagination on (created_at, id): a page costs the same at row one million as at row ten, and the
cursor is an opaque token of the boundary row, so inserts between pages never repeat or skip a row.
"""

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import Protocol
from uuid import UUID

from django.db.models import Q, QuerySet
from rest_framework import serializers

from api.dayzero.fields import PydanticBooleanField


class CursorQuery(serializers.Serializer):
    cursor = serializers.CharField(required=False, max_length=200)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=100, default=50)
    direction = serializers.ChoiceField(choices=("next", "prev"), required=False, default="next")
    include_total_count = PydanticBooleanField(required=False, default=False)

    def validate_cursor(self, value):
        try:
            created, pk = json.loads(base64.urlsafe_b64decode(value.encode() + b"==="))
            return datetime.fromisoformat(created), UUID(pk)
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
            raise serializers.ValidationError("Invalid cursor", code="value_error") from exc


def _encode(boundary: tuple[datetime, UUID | str]) -> str:
    created, pk = boundary
    raw = json.dumps([created.isoformat(), str(pk)]).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass(frozen=True)
class Page:
    items: list
    next_cursor: str | None
    prev_cursor: str | None
    total_count: int | None

    def as_dict(self, present) -> dict:
        return {
            "items": [present(item) for item in self.items],
            "next_cursor": self.next_cursor,
            "prev_cursor": self.prev_cursor,
            "total_count": self.total_count,
        }


class Keyset(Protocol):
    """Where pages come from, when not a QuerySet: the rows after (before, `backwards`) a boundary."""

    def rows(self, after: tuple[datetime, UUID] | None, backwards: bool, count: int) -> list: ...

    def count(self) -> int: ...


@dataclass(frozen=True)
class QuerySetKeyset:
    queryset: QuerySet

    def rows(self, after: tuple[datetime, UUID] | None, backwards: bool, count: int) -> list:
        queryset = self.queryset
        if after is not None:
            created, pk = after
            if backwards:
                queryset = queryset.filter(Q(created_at__lt=created) | Q(created_at=created, pk__lt=pk))
            else:
                queryset = queryset.filter(Q(created_at__gt=created) | Q(created_at=created, pk__gt=pk))
        order = ("-created_at", "-pk") if backwards else ("created_at", "pk")
        return list(queryset.order_by(*order)[:count])

    def count(self) -> int:
        return self.queryset.count()


def paginate(
    source: QuerySet | Keyset,
    query: dict,
    key: Callable[..., tuple[datetime, UUID | str]] = attrgetter("created_at", "pk"),
) -> Page:
    """A page of `source`'s rows: model instances, or the tuples of a values_list (or a Keyset) whose
    `key` reads the row's created_at (aware) and primary key (a UUID or its str)."""
    if isinstance(source, QuerySet):
        source = QuerySetKeyset(source)
    limit, cursor = query["limit"], query.get("cursor")
    backwards = query["direction"] == "prev" and cursor is not None
    rows = source.rows(cursor, backwards, limit + 1)
    total = source.count() if query["include_total_count"] else None
    more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()
        return Page(
            rows,
            _encode(key(rows[-1])) if rows else None,
            _encode(key(rows[0])) if more and rows else None,
            total,
        )
    next_cursor = _encode(key(rows[-1])) if more else None
    prev_cursor = _encode(key(rows[0])) if cursor is not None and rows else None
    return Page(rows, next_cursor, prev_cursor, total)
