"""Django's PostgreSQL backend, plus two ways for a transaction to end in fewer round trips, and a larger
share of statements whose placeholders psycopg converts once.

A payment request holds its invoice's row lock from the lock to the COMMIT, and every round trip in
between is one more wait while other requests queue on that row: 0.45 ms of a 5 ms hold when threaded
workers also waited for the GIL, 0.2-1 ms with PostgreSQL on another host. Over loopback with sync workers
the pipeline costs about what it saves (bench/README.md, "Decisions kept"). Django has no way to drop either:

- `connection.savepoints_left_to_commit()`: inside it, a savepoint that succeeded is not released. RELEASE SAVEPOINT
  only merges the savepoint into its transaction, which COMMIT does anyway; ROLLBACK TO still undoes just
  its part. Used for one request's transaction, whose savepoints are few (one per service call); a long
  transaction should keep releasing them, or PostgreSQL's visibility checks walk ever deeper nesting.
- `execute_with_commit(sql, params)`: a statement whose result nobody reads, held until the transaction's
  next statement (sent just before it, so that everything after sees its work) or, when there is none, sent
  in one psycopg pipeline with the COMMIT, one round trip for both. If it fails, PostgreSQL skips the COMMIT
  and Django rolls the transaction back, as it does when a COMMIT fails.
- psycopg converts a statement's `%s` placeholders to `$n` once per SQL text and caches that, but only for
  statements of at most 50 parameters (so that an ORM's bulk INSERTs, of ever-changing widths, do not churn
  the cache). The ledger's one-statement writes (tenants.statements.write) have a few fixed shapes of 55-81
  parameters, and converting them anew was 12-18% of a payment service's CPU (bench/README.md). psycopg has
  no public setting for it; tests/test_postgres_backend.py fails if this one stops taking effect.
- CONN_HEALTH_CHECKS made Django send `SELECT 1` before the first statement of every request: a round trip
  that, under load, checks a connection that answered a millisecond ago (about 5% of the cheapest route's
  CPU, PostgreSQL's included). Connections die of a server restart, a failover or an idle timeout, so only
  one left unused for HEALTH_CHECK_AFTER_IDLE_SECONDS is checked.
"""

import time
from contextlib import contextmanager

import psycopg._queries
from django.db.backends.postgresql import base

psycopg._queries.MAX_CACHED_STATEMENT_PARAMS = 128
HEALTH_CHECK_AFTER_IDLE_SECONDS = 1.0


class DatabaseWrapper(base.DatabaseWrapper):
    release_savepoints = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.with_commit: list[tuple[str, list]] = []
        self.used_at = 0.0  # time.monotonic() when a statement last asked for the connection

    def close_if_health_check_failed(self):
        now = time.monotonic()
        if now - self.used_at < HEALTH_CHECK_AFTER_IDLE_SECONDS:
            self.health_check_done = True
        self.used_at = now
        super().close_if_health_check_failed()

    def execute_with_commit(self, sql: str, params: list) -> tuple | None:
        """Runs `sql` before the transaction's next statement or with its COMMIT, and returns None; now, with
        its first row, when that COMMIT is not the next thing this block ends with: outside a transaction,
        or inside a savepoint. `params` are adapted when the statement is sent: values nothing changes in
        the meantime."""
        if not self.in_atomic_block or self.savepoint_ids:
            with self.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchone() if cursor.description else ()
        self.with_commit.append((sql, params))
        return None

    def _cursor(self, name=None):
        if self.with_commit:  # a statement of this transaction is about to run: the held ones go first
            statements, self.with_commit = self.with_commit, []
            try:
                self._send(statements)
            except Exception:
                # PostgreSQL has aborted the transaction for a statement its code believes done: nothing of
                # it may commit, whoever catches the error.
                self.needs_rollback = True
                raise
        return super()._cursor(name)

    def _commit(self):
        statements, self.with_commit = self.with_commit, []
        if not statements or self.connection is None:
            return super()._commit()
        with self.wrap_database_errors, self.connection.pipeline():
            self._send(statements)
            return super()._commit()  # psycopg sends COMMIT and syncs the pipeline: one round trip

    def _send(self, statements: list[tuple[str, list]]) -> None:
        with self.cursor() as cursor:  # Django's cursor: logged and counted like any other statement
            for sql, params in statements:
                cursor.execute(sql, params)

    def _rollback(self):
        self.with_commit = []
        return super()._rollback()

    def _close(self):
        self.with_commit = []
        return super()._close()

    def _savepoint_commit(self, sid):
        if self.release_savepoints:
            super()._savepoint_commit(sid)

    @contextmanager
    def savepoints_left_to_commit(self):
        """Savepoints that succeed inside this block are released by the transaction's COMMIT, not one by
        one."""
        previous, self.release_savepoints = self.release_savepoints, False
        try:
            yield
        finally:
            self.release_savepoints = previous
