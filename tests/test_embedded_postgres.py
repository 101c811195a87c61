"""config.embedded_postgres: the server `make run` leaves running, stopped (make stop-db) and wiped
(make reset-db) whether or not it runs. A server of its own, under a temporary .data/, started by another
process as `make run` starts it."""

import subprocess
import sys

import psycopg
import pytest

from config import embedded_postgres
from tests.servers import ROOT

START = """
import sys
from pathlib import Path
from config.embedded_postgres import database_settings
print(database_settings(Path(sys.argv[1]))["HOST"])
"""


def _start(data):
    """Starts the server of `data` from another process, which exits leaving it running; its socket's dir."""
    started = subprocess.run(
        [sys.executable, "-c", START, str(data)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert started.returncode == 0, started.stderr
    return started.stdout.split()[-1]


def _connect(host):
    return psycopg.connect(host=host, user="postgres", dbname="postgres", connect_timeout=5)


@pytest.fixture
def data(tmp_path):
    data = tmp_path / ".data"
    yield data
    embedded_postgres.stop(data)  # whatever happened


def test_stop_and_reset_whether_or_not_it_runs(data):
    assert "nothing to stop" in embedded_postgres.stop(data)
    assert "nothing to delete" in embedded_postgres.reset(data)

    host = _start(data)
    with _connect(host) as conn:
        conn.execute("CREATE TABLE kept (id int)")
    assert "stopped" in embedded_postgres.stop(data)
    with pytest.raises(psycopg.OperationalError):
        _connect(host)
    assert "not running" in embedded_postgres.stop(data)

    with _connect(_start(data)) as conn:  # stopping kept the data
        assert conn.execute("SELECT to_regclass('kept') IS NOT NULL").fetchone() == (True,)

    assert "stopped" in embedded_postgres.reset(data)  # stops a running one before deleting
    assert not (data / "pg").exists()

    with _connect(_start(data)) as conn:  # a fresh, empty one
        assert conn.execute("SELECT to_regclass('kept')").fetchone() == (None,)
    embedded_postgres.stop(data)
    assert "not running" in embedded_postgres.reset(data)
    assert not (data / "pg").exists()
