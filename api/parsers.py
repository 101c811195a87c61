import json
from decimal import Decimal

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a number")


class DecimalJSONParser(JSONParser):
    """JSON with numbers as Decimal: Zuora's `"Amount": 10.1` is 10.1 exactly, never a float."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return json.loads(stream.read(), parse_float=Decimal, parse_constant=_reject_constant)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise ParseError(f"malformed JSON: {exc}") from exc
