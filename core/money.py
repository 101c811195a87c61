"""Money: Decimal with 9 decimal places end to end, ISO 4217 currencies, minor-unit conversion, and the
one parser of amounts written as text.

A leaf module (stdlib and iso4217 only) so that every layer may use it.

Amounts finer than a currency's minor unit. The ledger keeps every amount exact to 9 decimal places, so an
invoice of 10.005 USD paid 10.00 owes 0.005 USD. Such a remainder cannot be paid in the currency, so it
settles the invoice: an invoice is paid once its balance, rounded half-even to the currency's minor unit,
is zero or less (is_settled). Every dialect then agrees on the status; a dialect counting in minor units
shows each amount rounded half-even (to_minor: a balance of 0), a dialect writing decimals shows it exact
(a balance of 0.005).
"""

import re
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache

import iso4217

from core.errors import Invalid

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


# ASCII digits only: str.isdigit(), int() and Decimal() also read Arabic-Indic, fullwidth or Devanagari
# digits as numbers.
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?", re.ASCII)
_WHOLE = re.compile(r"[+-]?[0-9]+", re.ASCII)


def parse_decimal(text: object, *, whole: bool = False) -> Decimal | None:
    """A number written as plain text ("12.987654321", "-3"; with `whole`, an integer, "+3" too), or None.
    ASCII digits only: no exponent, no spaces, no other script's digits, at most 40 characters."""
    if not isinstance(text, str) or len(text) > 40 or not (_WHOLE if whole else _NUMBER).fullmatch(text):
        return None
    return Decimal(text)


def from_minor(units: int, currency: str) -> Decimal:
    """Integer minor units to an amount: 1234 in USD is 12.34, never through a float."""
    return Decimal(units).scaleb(-exponent(currency)).quantize(QUANTUM)


def to_minor(amount: Decimal, currency: str) -> int:
    """An amount in minor units. Amounts finer than the currency round half-even (see the module's note)."""
    return int(amount.scaleb(exponent(currency)).to_integral_value(rounding=ROUND_HALF_EVEN))


def is_settled(balance: Decimal, currency: str) -> bool:
    """Nothing is left to pay that the currency can express (see the module's note)."""
    return to_minor(balance, currency) <= 0


def plain(amount: Decimal, currency: str | None = None) -> str:
    """A decimal string without exponent or trailing zeros beyond the currency's minor units: 500.00, 12.987654321."""
    places = exponent(currency) if currency else 0
    normalized = amount.normalize()
    decimals = max(places, -normalized.as_tuple().exponent if normalized.as_tuple().exponent < 0 else 0)
    return f"{amount:.{decimals}f}"
