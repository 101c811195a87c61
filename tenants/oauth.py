"""django-oauth-toolkit hooks: each client may only ask for the scopes it was granted, and credentials
are generated in the shape the strictest client SDK accepts."""

import secrets
import uuid

from oauth2_provider.generators import BaseHashGenerator
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import SettingsScopes

# Credentials every dialect's SDK accepts: the strictest refuses, before sending anything, a client id that
# is not 36 characters and a client secret over 42. So a UUID id, and a secret of token_urlsafe(31): 42
# characters, 248 random bits (stored hashed, like any other).
CLIENT_SECRET_LENGTH = 42


class ClientIdGenerator(BaseHashGenerator):
    def hash(self) -> str:
        return str(uuid.uuid4())


class ClientSecretGenerator(BaseHashGenerator):
    def hash(self) -> str:
        return secrets.token_urlsafe(31)


class ClientScopes(SettingsScopes):
    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        return application.scope_list if application is not None else []

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        return self.get_available_scopes(application, request)


class TenantOAuth2Validator(OAuth2Validator):
    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs):
        # Machine clients only: tokens come from the client-credentials grant.
        return grant_type == "client_credentials" and super().validate_grant_type(
            client_id, grant_type, client, request, *args, **kwargs
        )

    def _load_application(self, client_id, request):
        # PostgreSQL text cannot hold NUL: no client has such an id, and looking it up would fail (a 500).
        if isinstance(client_id, str) and "\x00" in client_id:
            return None
        return super()._load_application(client_id, request)
