"""Client-credentials tokens: the one path every token endpoint issues and revokes through, and Zuora's
POST /oauth/token on it. Moov's POST /oauth2/token and /oauth2/revoke (api/moov/tokens.py) read their own
JSON bodies and answer in Moov's shapes over the same path.

django-oauth-toolkit does the OAuth work: it authenticates the client (HTTP Basic first, then
`client_id`/`client_secret` among the parameters; a revoked client is unknown to it), grants only the
scopes the client holds (tenants.oauth), and stores the token as a checksum, for ACCESS_TOKEN_EXPIRE_SECONDS.
It reads its parameters from the form body; here they are handed to it by the endpoint, so a dialect whose
body is JSON goes through the same grant, unchanged.
"""

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.http import JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from oauth2_provider.oauth2_backends import OAuthLibCore
from oauthlib.common import Request as OAuthlibRequest

from api import throttling
from api.errors import renderer_for_path

GRANT_TYPE = "client_credentials"
# The parameters of a token or revocation request: each name with every value it was sent with.
Params = Mapping[str, Sequence[str]]


@dataclass(frozen=True)
class Answer:
    """django-oauth-toolkit's answer: its status, its JSON body (RFC 6749 5.1 / 5.2) and its headers."""

    status: int
    body: dict
    headers: Mapping[str, str]
    # On an `invalid_scope` refusal, the scopes asked for that the (authenticated) client does not hold.
    refused_scopes: tuple[str, ...] = ()


class _Backend(OAuthLibCore):
    """django-oauth-toolkit's backend, reading the grant's parameters from the endpoint rather than from
    request.POST. The URL and the headers (HTTP Basic) are still the request's own."""

    def __init__(self, params: Params):
        super().__init__()
        # One value per name, the last, as django-oauth-toolkit reads a form.
        self._params = [(name, values[-1]) for name, values in params.items() if values]

    def extract_body(self, request):
        return self._params

    def authenticated_client(self, request):
        """The client these parameters and headers authenticate, as the grant authenticated it, or None."""
        uri, http_method, body, headers = self._extract_params(request)
        oauth_request = OAuthlibRequest(uri, http_method, body, headers)
        validator = self.server.request_validator
        return oauth_request.client if validator.authenticate_client(oauth_request) else None


def throttle(request) -> throttling.Refusal | None:
    """Counts one request against TOKEN_RATE_LIMIT for the client's IP address: every endpoint that checks
    a client secret shares the window, as each is reachable before any credential is known to be good."""
    return throttling.hit("token", throttling.client_address(request), settings.TOKEN_RATE_LIMIT)


def issue(request, params: Params) -> Answer:
    """A token for the client-credentials grant, or django-oauth-toolkit's refusal.

    Client credentials only, refused here before django-oauth-toolkit sees anything else: its password grant
    checks the username and password before the grant type, so a client could tell a staff user's right
    password from a wrong one by the answer, each guess costing a password hash.
    """
    if list(params.get("grant_type", ())) != [GRANT_TYPE]:
        body = {"error": "unsupported_grant_type", "error_description": f"{GRANT_TYPE} only"}
        return Answer(400, body, {"Cache-Control": "no-store", "Pragma": "no-cache"})
    backend = _Backend(params)
    _, headers, body, status = backend.create_token_response(request)
    answer = Answer(status, json.loads(body), headers)
    if answer.body.get("error") == "invalid_scope":
        # django-oauth-toolkit checks scopes only once the client is authenticated; it does not say which.
        client = backend.authenticated_client(request)
        held = set(client.scope_list) if client is not None else set()
        asked = list(params.get("scope", ("",)))[-1].split()
        refused = tuple(scope for scope in dict.fromkeys(asked) if scope not in held)
        answer = Answer(status, answer.body, headers, refused)
    return answer


def revoke(request, params: Params) -> Answer:
    """RFC 7009 through django-oauth-toolkit: the client authenticates as for a token, and a token it was
    issued is deleted, so the API refuses it at once (tenants.auth reads the token row on every call). An
    unknown token, or another client's, is answered the same 200 and left alone (RFC 7009 2.2)."""
    _, headers, body, status = _Backend(params).create_revocation_response(request)
    return Answer(status, json.loads(body) if body else {}, headers)


@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(sensitive_post_parameters("client_secret"), name="dispatch")
class TokenView(View):
    """POST /oauth/token (client credentials), answered the way Zuora's token endpoint does: django-oauth-
    toolkit's body, with `token_type` lowercase `bearer` and a `jti` that identifies the token without
    revealing it."""

    def http_method_not_allowed(self, request, *args, **kwargs):
        # Django's 405 has no body; the dialect of this path answers it in its JSON (api.errors' registry).
        response = renderer_for_path(request.path_info).json_response(
            405, f'Method "{request.method}" not allowed.'
        )
        response["Allow"] = ", ".join(method.upper() for method in self._allowed_methods())
        return response

    def post(self, request, *args, **kwargs):
        refusal = throttle(request)
        if refusal is not None:
            body = {"error": "rate_limited", "error_description": "too many token requests; retry later"}
            return JsonResponse(body, status=429, headers=throttling.headers(refusal))
        answer = issue(request, dict(request.POST.lists()))
        body = answer.body
        if answer.status == 200:
            body = {**body, "token_type": "bearer"}
            body["jti"] = hashlib.sha256(body["access_token"].encode()).hexdigest()[:32]
        elif answer.status == 401:
            # Zuora's SDK reads a 401 as ProxyUnauthorizedResponse, whose one member is `message`.
            body = {**body, "message": "Authentication error"}
        response = JsonResponse(body, status=answer.status)
        for name, value in answer.headers.items():
            if name.lower() != "content-type":
                response[name] = value
        response["Cache-Control"] = "no-store"
        return response
