"""Idempotency-Key (seed 000) on POST and PATCH of every dialect.

The key's row is inserted at the start of the request's transaction and completed with the response at
its end, so the work and the saved response commit together or not at all: a crash in between leaves
neither, and the retry runs the work once. A concurrent request with the same key blocks on the row's
unique index until the first commits, then replays its response (or gets 409 past LOCK_WAIT_SECONDS).
"""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.http import HttpResponse
from django.utils import timezone
from psycopg.types.json import Jsonb

from api.errors import RequestRefused, lock_wait_expired
from api.models import IdempotencyKey

# Response headers replayed with the body; the rest (x-request-id, Vary, ...) belong to each response.
SAVED_HEADERS = ("Content-Type", "Location", "X-Moov-Version")
IDEMPOTENT_METHODS = ("POST", "PATCH")


class IdempotencyKeyInvalid(RequestRefused):
    status_code = 400
    default_detail = "Idempotency-Key must be 1 to 255 printable ASCII characters"


class IdempotencyKeyReused(RequestRefused):
    status_code = 422
    default_detail = "this Idempotency-Key was used with another method, path or body"


class IdempotencyKeyInFlight(RequestRefused):
    status_code = 409
    default_detail = "a request with this Idempotency-Key is still running; retry later"


class Replay(Exception):
    """Raised from the base view's initial() to answer with the saved response."""

    def __init__(self, response: HttpResponse):
        self.response = response


def valid_key(key: str) -> bool:
    return 0 < len(key) <= 255 and all(" " <= ch <= "~" for ch in key)


def claim(*, request, client, business_id) -> IdempotencyKey:
    """Claims the request's key for this request, or raises Replay / IdempotencyKeyReused / InFlight.

    Runs inside the transaction the base view opened around the whole request.
    """
    key = request.headers["Idempotency-Key"]
    if not valid_key(key):
        raise IdempotencyKeyInvalid()
    assert connection.in_atomic_block, "an idempotent request runs in one transaction"
    body_sha256 = hashlib.sha256(request.body).hexdigest()
    path = request.get_full_path()
    now = timezone.now()
    expired = now - timedelta(seconds=settings.IDEMPOTENCY_TTL_SECONDS)
    with connection.cursor() as cursor:
        try:
            # An expired row of the same key is taken over; a live one makes this a replay.
            cursor.execute(
                """
                INSERT INTO api_idempotencykey
                    (business_id, client_id, key, method, path, body_sha256, response_headers, created_at)
                VALUES (%s, %s, %s, %s, %s, %s, '{}', %s)
                ON CONFLICT (business_id, client_id, key) DO UPDATE SET
                    method = EXCLUDED.method, path = EXCLUDED.path, body_sha256 = EXCLUDED.body_sha256,
                    created_at = EXCLUDED.created_at, status_code = NULL, response_body = NULL,
                    response_headers = '{}', completed_at = NULL
                WHERE api_idempotencykey.created_at < %s
                RETURNING id
                """,
                [business_id, client.pk, key, request.method, path, body_sha256, now, expired],
            )
        except OperationalError as exc:
            if lock_wait_expired(exc):  # the first request with this key is still running
                raise IdempotencyKeyInFlight() from exc
            raise
        claimed = cursor.fetchone()
    if claimed is not None:
        return IdempotencyKey(pk=claimed[0])
    saved = IdempotencyKey.objects.of_business(business_id).get(client=client, key=key)
    if (saved.method, saved.path, saved.body_sha256) != (request.method, path, body_sha256):
        raise IdempotencyKeyReused()
    raise Replay(_replay(saved))


def _replay(saved: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(bytes(saved.response_body), status=saved.status_code)
    for name, value in saved.response_headers.items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    return response


def complete(row: IdempotencyKey, response: HttpResponse, *, save: bool) -> None:
    """Saves the response with the key, or (for answers given before any work) undoes the claim."""
    if not save or response.status_code >= 500:
        transaction.set_rollback(True)
        return
    if hasattr(response, "render"):
        response.render()
    headers = {name: response[name] for name in SAVED_HEADERS if response.has_header(name)}
    # Its own row, claimed by this transaction: saved in the round trip of the COMMIT (config.postgres).
    connection.execute_with_commit(
        "UPDATE api_idempotencykey SET status_code = %s, response_body = %s, response_headers = %s,"
        " completed_at = %s WHERE id = %s",
        [response.status_code, response.content, Jsonb(headers), timezone.now(), row.pk],
    )


def purge_expired() -> int:
    cutoff = timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_TTL_SECONDS)
    expired = IdempotencyKey.objects.across_tenants(reason="keys expire for every tenant alike")
    deleted, _ = expired.filter(created_at__lt=cutoff).delete()
    return deleted
