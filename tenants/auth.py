"""Authentication of API calls: Bearer tokens from /oauth/token, or HTTP Basic client_id:client_secret.

DOT ships a DRF authentication class, but it runs oauthlib's whole request validation on every call;
an API request only needs the token row and its client, in one indexed query.
"""

import base64
import binascii
import hashlib
from dataclasses import dataclass

from django.contrib.auth.hashers import check_password
from django.utils import timezone
from oauth2_provider.models import get_access_token_model
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from tenants.models import ApiClient


@dataclass(frozen=True, slots=True)
class ClientPrincipal:
    """request.user for API calls: the client and the scopes this credential carries."""

    client: ApiClient
    scopes: frozenset[str]
    is_authenticated: bool = True


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
        checksum = hashlib.sha256(raw.encode()).hexdigest()
        token = (
            get_access_token_model()
            .objects.select_related("application")
            .filter(token_checksum=checksum)
            .only("expires", "scope", "application")
            .first()
        )
        if token is None or token.expires <= timezone.now() or not token.application.is_active:
            raise AuthenticationFailed("missing or expired token")
        # A token carries no more than its client holds now: lowering a client's scopes, like revoking it,
        # takes effect at once on the tokens it was already issued.
        scopes = frozenset(token.scope.split()) & frozenset(token.application.scope_list)
        return ClientPrincipal(token.application, scopes), token

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
        client = ApiClient.objects.filter(client_id=client_id, is_active=True).first()
        if client is None or not secret or not check_password(secret, client.client_secret):
            raise AuthenticationFailed("invalid client credentials")
        return ClientPrincipal(client, frozenset(client.scope_list)), None
