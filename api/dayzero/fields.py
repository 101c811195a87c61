"""DRF fields that validate the way DayZero's FastAPI/pydantic models do, with pydantic's error types."""

from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.ids import parse_uuid
from core.money import parse_decimal
from invoices.models import Invoice

CURRENCIES = ("USD", "CAD", "AUD", "EUR", "GBP")
# The ledger's invoice statuses in DayZero's words: a fully paid invoice is "manual_paid" there.
INVOICE_STATUSES = {
    Invoice.Status.DRAFT: "draft",
    Invoice.Status.OPEN: "open",
    Invoice.Status.PARTIALLY_PAID: "partially_paid",
    Invoice.Status.PAID: "manual_paid",
    Invoice.Status.VOID: "void",
}


def _expected(choices) -> str:
    quoted = [f"'{c}'" for c in choices]
    return ", ".join(quoted[:-1]) + f" or {quoted[-1]}" if len(quoted) > 1 else quoted[0]


class StrictCharField(serializers.CharField):
    default_error_messages = {
        "string_type": "Input should be a valid string",
        "blank": "String should have at least 1 character",
        "max_length": "String should have at most {max_length} characters",
    }

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("string_type")
        return super().to_internal_value(data)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 10**17 - 1})
class CentsField(serializers.Field):
    """An integer amount of minor units, > 0. Lax like pydantic: 100, 100.0 and "100" are 100."""

    default_error_messages = {
        "int_type": "Input should be a valid integer",
        "int_parsing": "Input should be a valid integer, unable to parse string as an integer",
        "int_from_float": "Input should be a valid integer, got a number with a fractional part",
        "greater_than": "Input should be greater than 0",
        "less_than": "Input should be less than 10^17",
    }
    MAX = 10**17

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("int_type")
        if isinstance(data, str):
            data = parse_decimal(data.strip(), whole=True)
            if data is None:
                self.fail("int_parsing")
        if isinstance(data, Decimal):
            if not data.is_finite() or data != data.to_integral_value():
                self.fail("int_from_float")
        elif not isinstance(data, int):
            self.fail("int_type")
        # Range checks before int(): int(Decimal("1e999999")) would take minutes.
        if data <= 0:
            self.fail("greater_than")
        if data >= self.MAX:
            self.fail("less_than")
        return int(data)

    def to_representation(self, value):
        return value


class CurrencyField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=CURRENCIES, **kwargs)
        self.error_messages["invalid_choice"] = f"Input should be {_expected(CURRENCIES)}"


class EnumField(serializers.ChoiceField):
    def __init__(self, choices, **kwargs):
        super().__init__(choices=choices, **kwargs)
        self.error_messages["invalid_choice"] = f"Input should be {_expected(list(choices))}"


@extend_schema_field(OpenApiTypes.UUID)
class UUIDStrField(serializers.Field):
    default_error_messages = {
        "uuid_parsing": "Input should be a valid UUID",
    }

    def to_internal_value(self, data):
        value = parse_uuid(data)
        if value is None:
            self.fail("uuid_parsing")
        return value

    def to_representation(self, value):
        return str(value)


class _ParsedAs:
    """Reports any parse failure with one pydantic error type, as pydantic does."""

    parse_error: str

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError:
            self.fail(self.parse_error)


class PydanticDateTimeField(_ParsedAs, serializers.DateTimeField):
    parse_error = "datetime_parsing"
    default_error_messages = {"datetime_parsing": "Input should be a valid datetime"}


class PydanticDateField(_ParsedAs, serializers.DateField):
    parse_error = "date_parsing"
    default_error_messages = {"date_parsing": "Input should be a valid date"}


class PydanticBooleanField(_ParsedAs, serializers.BooleanField):
    parse_error = "bool_parsing"
    default_error_messages = {"bool_parsing": "Input should be a valid boolean, unable to interpret input"}
