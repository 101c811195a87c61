from datetime import date, datetime

from django.db.models import DateTimeField, Func


def iso(value: datetime | None) -> str | None:
    """pydantic's rendering of an aware UTC datetime: 2026-01-20T14:45:00Z."""
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z")


def iso_date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


class InUtc(Func):
    """A timestamp column as a naive UTC datetime, for lists: psycopg loads that in C, where an aware one goes
    through Django's loader in Python (to set its tzinfo) per value. iso_utc() writes it."""

    template = "(%(expressions)s AT TIME ZONE 'UTC')"
    output_field = DateTimeField()


def iso_utc(value: datetime) -> str:
    """iso() of an InUtc column's naive UTC datetime."""
    return value.isoformat() + "Z"
