"""Moov's token endpoints, as the official SDK (moovio-sdk) calls them: POST /oauth2/token
(`Authentication.create_access_token`) and POST /oauth2/revoke (`revoke_access_token`).

The SDK sends a JSON body (a form is read too: it is RFC 6749's encoding) and, when configured with
`security`, the client's credentials as HTTP Basic; credentials in the body are accepted as well. Tokens are
issued and revoked by api.oauth, the path /oauth/token takes: only the client-credentials grant, only the
scopes the client holds, stored as checksums, ACCESS_TOKEN_EXPIRE_SECONDS long, a revoked client refused.
Limited per client IP with /oauth/token (TOKEN_RATE_LIMIT). What the SDK makes of each answer:

| status | body | SDK |
| --- | --- | --- |
| 200 | AuthToken `{token_type: Bearer, access_token, refresh_token, expires_in, scope}` | `result` |
| 204 | none (revoked, or a token the client does not have: RFC 7009 2.2) | the response |
| 400 | `{"error": ...}`: a grant other than client_credentials, a body that is no JSON object | GenericError |
| 401 | `{"error": ...}`: unknown client, wrong secret, revoked client | APIError |
| 422 | `{"scope": ...}` (token) or `{"token": ...}` / `{"token_type_hint": ...}` (revoke) | AuthTokenRequestError, RevokeTokenRequestError |
| 429 | `{"error": ...}` with Retry-After | APIError |

`refresh_token` is the empty string. The SDK's AuthToken requires the member, but a client-credentials grant
issues no refresh token (RFC 6749 4.4.3): the client asks again with its credentials, which it holds anyway.
An empty string satisfies the model and gives the client nothing that looks usable; the refresh_token grant
is refused as unsupported. `expires_in` is the token's lifetime in seconds (RFC 6749 5.1, and what
/oauth/token says), although the SDK's docstring calls it a Unix timestamp.

Scopes are Moov's names, mapped onto ours (`SCOPES`); see `scopes_ours` and `scopes_moov`.
"""

import json
import re

from django.http import HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from rest_framework.exceptions import ParseError

from api import errors, oauth, throttling
from api.moov.errors import MoovErrors
from api.moov.versioning import DEFAULT_VERSION, MoovVersioning
from tenants.models import SCOPE_READ, SCOPE_WRITE


class MoovTokenErrors(MoovErrors):
    """Moov's `{"error": ...}` for what the middleware and Django answer under /oauth2/ (413, 404, 500)."""

    path_prefix = "/oauth2/"


errors.register(MoovTokenErrors())

# Moov's scopes for what this service serves in Moov's dialect, onto the scopes its routes check. The SDK
# documents `/accounts/{accountID}/invoices.read` for listing and getting invoices and their payments, and
# `/accounts/{accountID}/invoices.write` for creating, updating and paying them: the same split as ours.
# `{accountID}` may be sent as it is or as an account's id. A token here is the client's, not one account's:
# every route still checks that its account is one of the client's, and the answer's `scope` says
# `{accountID}` to tell the client so. The SDK documents the payment links' operations under
# `/accounts/{accountID}/transfers.read|write`; the only links here are invoices', so those map onto ours
# too (the answer names them as invoice scopes). Moov's other scopes (`/accounts.read`, `/accounts.write`,
# profile, wallets...) name routes this service does not serve, and granting ours for them would hand out
# invoice access no one asked for: a 422.
SCOPES = {
    "/accounts/{accountID}/invoices.read": SCOPE_READ,
    "/accounts/{accountID}/invoices.write": SCOPE_WRITE,
}
_SCOPE = re.compile(r"/accounts/[^/\s]+/(?:invoices|transfers)\.(read|write)")
_OURS = {"read": SCOPE_READ, "write": SCOPE_WRITE}
_MOOV = {ours: moov for moov, ours in SCOPES.items()}


def scopes_ours(requested: list[str]) -> tuple[list[str], list[str]]:
    """(our scopes, in order, once each; the Moov scopes that map onto none of them)."""
    ours, unknown = {}, []
    for scope in requested:
        match = _SCOPE.fullmatch(scope)
        if match:
            ours[_OURS[match.group(1)]] = None
        else:
            unknown.append(scope)
    return list(ours), unknown


def scopes_moov(ours: str) -> str:
    """Our granted scopes as Moov names them (any other name passes unchanged)."""
    return " ".join(_MOOV.get(scope, scope) for scope in ours.split())


class Refused(Exception):
    def __init__(self, status: int, body: dict):
        super().__init__(body)
        self.status = status
        self.body = body


def _field(fields: dict, name: str, *, status: int) -> str | None:
    """A text field of the body, or None when absent; another JSON type, or text that is not UTF-8 (a lone
    surrogate escape), is refused with `status` (400 in `{"error"}`, 422 keyed by the field)."""
    value = fields.get(name)
    if value is None:
        return None
    message = None
    if not isinstance(value, str):
        message = "must be a string"
    else:
        try:
            value.encode()
        except UnicodeEncodeError:
            message = "must be UTF-8 text"
    if message is None:
        return value
    raise Refused(status, {name: message} if status == 422 else {"error": f"{name} {message}"})


@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(sensitive_post_parameters("client_secret"), name="dispatch")
class MoovOAuthView(View):
    """The edge both endpoints share: rate limit, X-Moov-Version (checked, echoed on every answer), the body,
    and Moov's envelopes."""

    http_method_names = ["post", "options"]

    def dispatch(self, request, *args, **kwargs):
        try:
            version, malformed = MoovVersioning().determine_version(request), None
        except ParseError as exc:  # answered in the default version, after the rate limit
            version, malformed = DEFAULT_VERSION, exc
        try:
            refusal = oauth.throttle(request)
            if refusal is not None:
                body = {"error": "too many token requests; retry later"}
                response = JsonResponse(body, status=429, headers=throttling.headers(refusal))
            elif malformed is not None:
                response = JsonResponse({"error": str(malformed.detail)}, status=400)
            else:
                response = super().dispatch(request, *args, **kwargs)
        except Refused as refused:
            response = JsonResponse(refused.body, status=refused.status)
        response["X-Moov-Version"] = version
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        return response

    def http_method_not_allowed(self, request, *args, **kwargs):
        allowed = ", ".join(method.upper() for method in self._allowed_methods())
        return JsonResponse({"error": "method not allowed"}, status=405, headers={"Allow": allowed})

    def fields(self, request) -> dict:
        """The body's fields: a JSON object, or a form."""
        if request.content_type == "application/x-www-form-urlencoded":
            return {name: values[-1] for name, values in request.POST.lists()}
        if not request.body:
            return {}
        try:
            data = json.loads(request.body)
        except ValueError as exc:  # UnicodeDecodeError included
            raise Refused(400, {"error": "the request body is not valid JSON"}) from exc
        if not isinstance(data, dict):
            raise Refused(400, {"error": "the request body must be a JSON object"})
        return data

    def credentials(self, fields: dict) -> dict[str, list[str]]:
        """The client's credentials given in the body (HTTP Basic is read from the request by api.oauth)."""
        params = {}
        for name in ("client_id", "client_secret"):
            value = _field(fields, name, status=400)
            if value is not None:
                params[name] = [value]
        return params

    def refused(self, answer: oauth.Answer) -> JsonResponse:
        """django-oauth-toolkit's refusal in Moov's envelope."""
        if answer.status == 401:
            # The scheme the client authenticates with here (oauthlib would name Bearer): RFC 6749 5.2.
            body = {"error": "invalid client credentials"}
            return JsonResponse(body, status=401, headers={"WWW-Authenticate": 'Basic realm="oauth2"'})
        message = answer.body.get("error_description") or answer.body.get("error") or "invalid request"
        return JsonResponse({"error": message}, status=answer.status)


class TokenView(MoovOAuthView):
    """POST /oauth2/token: a client-credentials token as Moov's AuthToken."""

    def post(self, request, *args, **kwargs):
        fields = self.fields(request)
        grant_type = _field(fields, "grant_type", status=400)
        if grant_type is None:
            raise Refused(400, {"error": "grant_type is required: client_credentials"})
        if grant_type == "refresh_token":
            message = (
                "grant_type refresh_token is not supported: client-credentials tokens have no refresh token; "
                "ask for a new token with grant_type client_credentials"
            )
            raise Refused(400, {"error": message})
        if grant_type != oauth.GRANT_TYPE:
            raise Refused(400, {"error": f"grant_type must be {oauth.GRANT_TYPE}"})
        requested = (_field(fields, "scope", status=422) or "").split()
        if not requested:
            raise Refused(422, {"scope": "is required: a space-delimited list of scopes"})
        ours, unknown = scopes_ours(requested)
        if unknown:
            grantable = " and ".join(SCOPES)
            message = f"not a scope this service grants: {' '.join(unknown)} (it grants {grantable})"
            raise Refused(422, {"scope": message})
        params = {"grant_type": [grant_type], "scope": [" ".join(ours)], **self.credentials(fields)}
        answer = oauth.issue(request, params)
        if answer.body.get("error") == "invalid_scope":
            refused = " ".join(scopes_moov(scope) for scope in answer.refused_scopes) or " ".join(requested)
            return JsonResponse({"scope": f"not granted to this client: {refused}"}, status=422)
        if answer.status != 200:
            return self.refused(answer)
        token = {
            "token_type": "Bearer",
            "access_token": answer.body["access_token"],
            "refresh_token": "",
            "expires_in": answer.body["expires_in"],
            "scope": scopes_moov(answer.body["scope"]),
        }
        return JsonResponse(token)


class RevokeView(MoovOAuthView):
    """POST /oauth2/revoke: revokes one of the calling client's tokens; 204 whether or not it had it."""

    def post(self, request, *args, **kwargs):
        fields = self.fields(request)
        token = _field(fields, "token", status=422)
        if not token:
            raise Refused(422, {"token": "is required"})
        params = {"token": [token], **self.credentials(fields)}
        hint = _field(fields, "token_type_hint", status=422)
        if hint is not None:
            if hint not in ("access_token", "refresh_token"):
                raise Refused(422, {"token_type_hint": "must be access_token or refresh_token"})
            params["token_type_hint"] = [hint]
        answer = oauth.revoke(request, params)
        if answer.status != 200:
            return self.refused(answer)
        response = HttpResponse(status=204)
        del response["Content-Type"]
        return response
