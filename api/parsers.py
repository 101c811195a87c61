import json
import re
from decimal import Decimal

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# A "\ud800" escape without its pair parses into a str that is not Unicode text: no response could echo it
# and no PostgreSQL column could hold it.
_UNPAIRED_SURROGATE = re.compile("[\ud800-\udfff]")


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a number")


def _strings(data):
    """Every string in parsed JSON, keys included; iterative, as deep as the parser let the data go."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


class DecimalJSONParser(JSONParser):
    """JSON with numbers as Decimal: Zuora's `"Amount": 10.1` is 10.1 exactly, never a float."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = json.loads(stream.read(), parse_float=Decimal, parse_constant=_reject_constant)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise ParseError(f"malformed JSON: {exc}") from exc
        if any(_UNPAIRED_SURROGATE.search(text) for text in _strings(data)):
            raise ParseError("malformed JSON: a string holds an unpaired surrogate escape")
        return data
