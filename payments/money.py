"""Money: Decimal with 9 decimal places end to end, ISO 4217 currencies, minor-unit conversion.

A leaf module (stdlib and iso4217 only) so that every layer may use it: tenants validate an account's
currency, invoices store amounts, the dialects convert DayZero's cents and Moov's decimal strings.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import cache

import iso4217

from tenants.errors import Invalid

PLACES = 9
QUANTUM = Decimal(1).scaleb(-PLACES)
# Column size: room for sums of many amounts. A single amount stays below MAX_AMOUNT.
MAX_DIGITS = 30
MAX_AMOUNT = Decimal(10) ** 15
ZERO = Decimal(0)

MONEY_FIELD = {"max_digits": MAX_DIGITS, "decimal_places": PLACES}


def currency_validate(code: object, *, field: str = "currency") -> str:
    """An active ISO 4217 currency with minor units (not gold, not a testing code)."""
    if not isinstance(code, str) or len(code) != 3 or not code.isalpha() or not code.isupper():
        raise Invalid("must be a 3-letter ISO 4217 currency code", field=field, code="currency")
    try:
        currency = iso4217.Currency(code)
    except ValueError:
        currency = None
    if currency is None or currency.exponent is None:
        raise Invalid(f"{code} is not a supported ISO 4217 currency", field=field, code="currency")
    return code


@cache  # an enum lookup by value scans the members; amounts are converted per row of a list
def exponent(currency: str) -> int:
    return iso4217.Currency(currency).exponent


def amount_validate(value: object, *, field: str = "amount") -> Decimal:
    """A positive amount below MAX_AMOUNT with at most 9 decimal places, as an exact Decimal."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise Invalid("must be a number", field=field, code="type")
    amount = Decimal(value)
    if not amount.is_finite():
        raise Invalid("must be a finite number", field=field, code="type")
    if amount <= ZERO:
        raise Invalid("must be greater than zero", field=field, code="not_positive")
    if amount >= MAX_AMOUNT:
        raise Invalid(f"must be less than {MAX_AMOUNT:f}", field=field, code="too_large")
    if amount != amount.quantize(QUANTUM, rounding=ROUND_HALF_EVEN):
        raise Invalid(f"must have at most {PLACES} decimal places", field=field, code="too_many_decimals")
    return amount.quantize(QUANTUM)


def parse_decimal(text: str) -> Decimal | None:
    """A plain decimal string ("12.987654321"), or None. No exponents, no signs but '-', no spaces."""
    if not isinstance(text, str) or not text or len(text) > 40:
        return None
    body = text[1:] if text.startswith("-") else text
    whole, _, frac = body.partition(".")
    if not whole.isdigit() or (frac and not frac.isdigit()) or body.endswith("."):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def from_minor(units: int, currency: str) -> Decimal:
    """DayZero's integer minor units to an amount: 1234 USD cents -> 12.34, never through a float."""
    return Decimal(units).scaleb(-exponent(currency)).quantize(QUANTUM)


@dataclass(frozen=True, slots=True)
class Minor:
    """An amount in minor units of a currency not known yet (DayZero's cents count in the transaction's)."""

    units: int

    def in_currency(self, currency: str) -> Decimal:
        return from_minor(self.units, currency)


def to_minor(amount: Decimal, currency: str) -> int:
    """An amount in minor units. Amounts finer than the currency (Moov allows 9 places) round half-even."""
    return int(amount.scaleb(exponent(currency)).to_integral_value(rounding=ROUND_HALF_EVEN))


def plain(amount: Decimal, currency: str | None = None) -> str:
    """A decimal string without exponent or trailing zeros beyond the currency's minor units: 500.00, 12.987654321."""
    places = exponent(currency) if currency else 0
    normalized = amount.normalize()
    decimals = max(places, -normalized.as_tuple().exponent if normalized.as_tuple().exponent < 0 else 0)
    return f"{amount:.{decimals}f}"
