"""Authentication of API calls: Bearer tokens from /oauth/token, or HTTP Basic client_id:client_secret.

DOT ships a DRF authentication class, but it runs oauthlib's whole request validation on every call; an API
request only needs the credential, its client and the entities the client was granted. They come in one
statement whose SQL is written here once: through the ORM they were two queries compiled afresh on every
request, a third of the cheapest route's CPU (bench/profile.py).

Each web process then keeps what it read, labeled with the credentials epoch: a random value in Redis that
every change to a client, a token, a client's entities or an entity replaces (tenants.signals). A kept
credential is only trusted once its label is found to be the epoch still: api.views reads the epoch in
the rate limiter's round trip, before any work, and a label that no longer matches sends the request back
to the database (`is_current`, `forget_kept`). So revoking a token or a client, or changing its scopes
or entities, holds from the next request on in every process. The epoch is read before the statement
whose result it labels: a change that commits between the two has replaced it by then, so what was read
is never trusted past that change. Without Redis nothing is kept. Only what a credential points at is
kept, never a refusal, and a token's expiry is checked on every request.
"""

import base64
import binascii
import hashlib
import logging
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from uuid import UUID, uuid4

import redis
from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.db import connection, transaction
from django.utils import timezone
from oauth2_provider.models import get_access_token_model
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from tenants.models import ApiClient, Entity
from tenants.redis_client import redis_client


@dataclass(frozen=True, slots=True)
class ClientPrincipal:
    """request.user for API calls: the client, the scopes this credential carries and the entities its
    client was granted (the business's default first)."""

    client: ApiClient
    scopes: frozenset[str]
    entity_ids: tuple[UUID, ...]
    # The epoch the credential was kept under in this process, to be checked against the epoch now
    # (is_current); None when this request read it from the database.
    kept_under: bytes | None = None
    is_authenticated: bool = True


# What a principal needs of its client; the rest of the row (its secret's hash...) stays in the database.
_CLIENT_FIELDS = ("id", "client_id", "business_id", "scopes")


@cache
def _credential_sql(key: str) -> str:
    """The client row (`_CLIENT_FIELDS`, then its secret's hash), its entities and, by token, the token's
    expiry and scope; `key` is `token` (the token's checksum) or `client` (the client id)."""
    grants = ApiClient.entities.through._meta.db_table
    entities = f"""ARRAY(
        SELECT e.id FROM {Entity._meta.db_table} e
        WHERE e.business_id = c.business_id
          AND (c.all_entities OR e.id IN (SELECT g.entity_id FROM {grants} g WHERE g.apiclient_id = c.id))
        ORDER BY e.is_default DESC, e.name)"""
    columns = ", ".join(f"c.{name}" for name in _CLIENT_FIELDS)
    clients = ApiClient._meta.db_table
    if key == "client":
        return f"SELECT {columns}, c.client_secret, {entities} FROM {clients} c WHERE c.client_id = %s AND c.is_active"
    tokens = get_access_token_model()._meta.db_table
    return f"""SELECT {columns}, NULL, {entities}, t.expires, t.scope
        FROM {tokens} t JOIN {clients} c ON c.id = t.application_id
        WHERE t.token_checksum = %s AND c.is_active"""


type Found = tuple[ApiClient, str, tuple[UUID, ...], tuple]


def _credential(key: str, value: str) -> Found | None:
    """(client, its secret's hash, its entities, the rest of the row) of an active client, or None."""
    with connection.cursor() as cursor:
        cursor.execute(_credential_sql(key), [value])
        row = cursor.fetchone()
    if row is None:
        return None
    width = len(_CLIENT_FIELDS)
    client = ApiClient.from_db(connection.alias, _CLIENT_FIELDS, row[:width])
    return client, row[width], tuple(row[width + 1]), row[width + 2 :]


EPOCH_KEY = "tenants:credentials-epoch"
# A last bound on what a process keeps, should Redis lose a change's new epoch (credentials_changed).
MAX_AGE_SECONDS = 60.0
_MAX_KEPT = 10_000  # credentials per process; past it, the process starts over
_kept: dict[tuple[str, str], tuple[bytes, float, Found]] = {}
logger = logging.getLogger(__name__)


def _epoch() -> bytes | None:
    """The credentials epoch now; None without Redis, and then nothing is kept."""
    if not settings.REDIS_URL:
        return None
    client = redis_client(settings.REDIS_URL)
    try:
        epoch = client.get(EPOCH_KEY)
        if epoch is None:  # a new or restarted Redis: any value that was never used before will do
            client.set(EPOCH_KEY, uuid4().hex, nx=True)
            epoch = client.get(EPOCH_KEY)
    except redis.RedisError as exc:
        logger.warning("credentials epoch unavailable, reading credentials from the database: %s", exc)
        return None
    return epoch


def _new_epoch() -> None:
    redis_client(settings.REDIS_URL).set(EPOCH_KEY, uuid4().hex)


def credentials_changed() -> None:
    """Every process's kept credentials are stale. Called inside the transaction that changes one: the new
    epoch is set there, and the change fails if Redis cannot take it (so no process goes on trusting what
    it kept), and set again once the change commits, for what was read in between."""
    if not settings.REDIS_URL:
        return
    _new_epoch()
    transaction.on_commit(_new_epoch_after_commit)


def _new_epoch_after_commit() -> None:
    try:
        _new_epoch()
    except redis.RedisError as exc:
        logger.error(
            "credentials epoch not renewed after a change; kept credentials expire in %ss: %s",
            MAX_AGE_SECONDS,
            exc,
        )


def _credential_kept(key: str, value: str) -> tuple[Found | None, bytes | None]:
    """_credential(), from this process's memory when it was kept there, with the epoch it was kept under
    (to be checked: is_current); else, or within `afresh()`, read now, with None."""
    now = time.monotonic()
    kept = None if _afresh.get() else _kept.get((key, value))
    if kept is not None and now - kept[1] < MAX_AGE_SECONDS:
        return kept[2], kept[0]
    epoch = _epoch()
    found = _credential(key, value)
    if epoch is not None and found is not None:
        if len(_kept) >= _MAX_KEPT:
            _kept.clear()
        _kept[key, value] = (epoch, now, found)
    return found, None


def is_current(principal: ClientPrincipal, epoch: bytes | None) -> bool:
    """Whether `principal` may be trusted, `epoch` being the credentials epoch now (None: unknown): read
    from the database by this request, or kept under that epoch."""
    return principal.kept_under is None or principal.kept_under == epoch


def forget_kept() -> None:
    """Drops what this process kept: the epoch moved, so every label is stale."""
    _kept.clear()


_afresh: ContextVar[bool] = ContextVar("credentials_afresh", default=False)


@contextmanager
def afresh():
    """Credentials read within it come from the database, whatever this process keeps: another thread
    may keep one again, under the epoch it read before the change, right after forget_kept()."""
    token = _afresh.set(True)
    try:
        yield
    finally:
        _afresh.reset(token)


class BearerTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != b"bearer":
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("malformed bearer token")
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise AuthenticationFailed("malformed bearer token") from exc
        found, kept_under = _credential_kept("token", hashlib.sha256(raw.encode()).hexdigest())
        expires: datetime | None = found[3][0] if found else None
        if found is None or expires is None or expires <= timezone.now():
            raise AuthenticationFailed("missing or expired token")
        client, _, entity_ids, (_, token_scope) = found
        # A token carries no more than its client holds now: lowering a client's scopes, like revoking it,
        # takes effect at once on the tokens it was already issued.
        scopes = frozenset(token_scope.split()) & frozenset(client.scope_list)
        return ClientPrincipal(client, scopes, entity_ids, kept_under), None

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class BasicClientAuthentication(BaseAuthentication):
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != b"basic":
            return None
        try:
            client_id, _, secret = base64.b64decode(parts[1], validate=True).decode().partition(":")
        except (IndexError, binascii.Error, UnicodeDecodeError) as exc:
            raise AuthenticationFailed("malformed basic credentials") from exc
        if "\x00" in client_id:  # PostgreSQL text cannot hold NUL: the query would fail, no client matches
            raise AuthenticationFailed("invalid client credentials")
        found, kept_under = _credential_kept("client", client_id)
        if found is None or not secret or not check_password(secret, found[1]):
            raise AuthenticationFailed("invalid client credentials")
        client, _, entity_ids, _ = found
        return ClientPrincipal(client, frozenset(client.scope_list), entity_ids, kept_under), None
