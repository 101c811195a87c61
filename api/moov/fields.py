"""DRF fields for Moov's JSON: strict types, and messages in Moov's lowercase "must ..." style."""

import re
from datetime import UTC

from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.errors import Invalid
from core.ids import parse_uuid
from core.money import amount_validate, currency_validate, parse_decimal

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _money_rule(check, value):
    """core.money's rules, reported as this field's validation error."""
    try:
        return check(value)
    except Invalid as exc:
        raise serializers.ValidationError(exc.message, code=exc.code) from exc


class Text(serializers.CharField):
    """A JSON string, kept as sent (no trimming) unless asked; numbers are not silently turned into text."""

    default_error_messages = {
        "invalid": "must be a string",
        "blank": "must not be blank",
        "max_length": "must be at most {max_length} characters",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class Choice(serializers.ChoiceField):
    def __init__(self, choices, **kwargs):
        super().__init__(choices, **kwargs)
        self.error_messages["invalid_choice"] = "must be one of " + ", ".join(choices)


@extend_schema_field({"type": "string", "pattern": "^[A-Z]{3}$"})
class Currency(serializers.Field):
    def to_internal_value(self, data):
        return _money_rule(currency_validate, data)


@extend_schema_field({"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"})
class DecimalString(serializers.Field):
    """Moov's valueDecimal: a plain decimal string ("12.987654321"), at most 9 decimal places; positive,
    or with `zero` also 0, or with `signed` also below 0."""

    default_error_messages = {"invalid": 'must be a decimal string such as "12.34"'}

    def __init__(self, *, zero: bool = False, signed: bool = False, **kwargs):
        self.zero, self.signed = zero or signed, signed
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = parse_decimal(data)
        if value is None:
            self.fail("invalid")
        if value == 0 and self.zero:
            return value
        if value < 0 and self.signed:
            return -_money_rule(amount_validate, -value)
        return _money_rule(amount_validate, value)


@extend_schema_field({"type": "string", "anyOf": [{"format": "date"}, {"format": "date-time"}]})
class CalendarDate(serializers.Field):
    """A date ("2026-02-16") or an RFC 3339 date-time, of which the date as written is kept."""

    default_error_messages = {"invalid": "must be a date (YYYY-MM-DD) or an RFC 3339 date-time"}

    def to_internal_value(self, data):
        if isinstance(data, str) and _DATE.match(data):
            try:
                parsed = parse_datetime(data)
            except ValueError:
                parsed = None
            if parsed is not None:
                return parsed.date()
        self.fail("invalid")


@extend_schema_field(OpenApiTypes.DATETIME)
class Timestamp(serializers.Field):
    """An RFC 3339 date-time; one without an offset is taken as UTC."""

    default_error_messages = {"invalid": "must be an RFC 3339 date-time such as 2026-01-20T14:45:00Z"}

    def to_internal_value(self, data):
        if isinstance(data, str) and _DATETIME.match(data):
            try:
                parsed = parse_datetime(data)
                if parsed is not None:
                    # In UTC, as stored; a year-1 time with a positive offset falls off the calendar here.
                    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
            except (ValueError, OverflowError):
                pass
        self.fail("invalid")


@extend_schema_field({"type": "string", "format": "uuid"})
class Key(serializers.Field):
    """The id of a Moov resource: a UUID."""

    default_error_messages = {"invalid": "must be a UUID"}

    def to_internal_value(self, data):
        key = parse_uuid(data) if isinstance(data, str) and len(data) == 36 else None
        if key is None:
            self.fail("invalid")
        return key
