"""Object ids as clients send them."""

from uuid import UUID


def parse_uuid(value: object) -> UUID | None:
    """A UUID as it is, or written with or without dashes (32 hex digits); else None."""
    if isinstance(value, UUID):
        return value
    if not isinstance(value, str) or len(value) not in (32, 36):
        return None
    try:
        return UUID(value)
    except ValueError:
        return None
