"""Golden JSON fixtures: a response body, with its volatile values (ids, timestamps) replaced by stable
placeholders, must equal the file under tests/<dialect>/golden/. Set UPDATE_GOLDEN=1 to (re)write files."""

import json
import os
import re
from pathlib import Path

_UUID = re.compile(r"\b[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\b")
_DATETIME = re.compile(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?\b")
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def normalize(value, names: dict[str, str] | None = None):
    """Replaces ids by <id:N> (N counts distinct ids in order of appearance) and dates by placeholders.

    `names` maps known ids to stable names, e.g. {str(invoice.id): "invoice"} gives <invoice>.
    """
    seen: dict[str, str] = {}
    exact = dict(names or {})
    names = {k.replace("-", ""): v for k, v in exact.items()}

    def ident(match):
        key = match.group(0).replace("-", "")
        if key in names:
            return f"<{names[key]}>"
        return seen.setdefault(key, f"<id:{len(seen) + 1}>")

    def walk(node):
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        if isinstance(node, str) and node in exact:
            return f"<{exact[node]}>"
        if isinstance(node, str):
            text = _UUID.sub(ident, node)
            text = _DATETIME.sub("<datetime>", text)
            return _DATE.sub("<date>", text)
        return node

    return walk(value)


def assert_golden(path: Path, body, names: dict[str, str] | None = None) -> None:
    actual = normalize(body, names)
    if os.environ.get("UPDATE_GOLDEN") or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(actual, indent=2, sort_keys=True) + "\n")
        if not os.environ.get("UPDATE_GOLDEN"):
            raise AssertionError(f"golden file {path} was missing and has been written: review and commit it")
    assert actual == json.loads(path.read_text()), f"response differs from {path}"
