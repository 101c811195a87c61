from datetime import date, datetime


def iso(value: datetime | None) -> str | None:
    """pydantic's rendering of an aware UTC datetime: 2026-01-20T14:45:00Z."""
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z")


def iso_date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None
