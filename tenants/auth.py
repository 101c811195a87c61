"""Authentication of API calls: Bearer tokens from /oauth/token, or HTTP Basic client_id:client_secret.

DOT ships a DRF authentication class, but it runs oauthlib's whole request validation on every call; an API
request only needs the credential, its client and the entities the client was granted. They come in one
statement whose SQL is written here once: through the ORM they were two queries compiled afresh on every
request, a third of the cheapest route's CPU (bench/profile.py). Nothing is cached between requests, so
revoking a token or a client, or changing its scopes or entities, holds from the next request on.
"""

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from uuid import UUID

from django.contrib.auth.hashers import check_password
from django.db import connection
from django.utils import timezone
from oauth2_provider.models import get_access_token_model
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from tenants.models import ApiClient, Entity


@dataclass(frozen=True, slots=True)
class ClientPrincipal:
    """request.user for API calls: the client, the scopes this credential carries and the entities its
    client was granted (the business's default first)."""

    client: ApiClient
    scopes: frozenset[str]
    entity_ids: tuple[UUID, ...]
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


def _credential(key: str, value: str) -> tuple[ApiClient, str, tuple[UUID, ...], tuple] | None:
    """(client, its secret's hash, its entities, the rest of the row) of an active client, or None."""
    with connection.cursor() as cursor:
        cursor.execute(_credential_sql(key), [value])
        row = cursor.fetchone()
    if row is None:
        return None
    width = len(_CLIENT_FIELDS)
    client = ApiClient.from_db(connection.alias, _CLIENT_FIELDS, row[:width])
    return client, row[width], tuple(row[width + 1]), row[width + 2 :]


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
        found = _credential("token", hashlib.sha256(raw.encode()).hexdigest())
        expires: datetime | None = found[3][0] if found else None
        if found is None or expires is None or expires <= timezone.now():
            raise AuthenticationFailed("missing or expired token")
        client, _, entity_ids, (_, token_scope) = found
        # A token carries no more than its client holds now: lowering a client's scopes, like revoking it,
        # takes effect at once on the tokens it was already issued.
        scopes = frozenset(token_scope.split()) & frozenset(client.scope_list)
        return ClientPrincipal(client, scopes, entity_ids), None

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
        found = _credential("client", client_id)
        if found is None or not secret or not check_password(secret, found[1]):
            raise AuthenticationFailed("invalid client credentials")
        client, _, entity_ids, _ = found
        return ClientPrincipal(client, frozenset(client.scope_list), entity_ids), None
