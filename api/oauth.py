import hashlib
import json

from django.conf import settings
from django.http import JsonResponse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.views import TokenView as DotTokenView

from api import throttling


@method_decorator(csrf_exempt, name="dispatch")
class TokenView(DotTokenView):
    """POST /oauth/token (client credentials), answered the way Zuora's token endpoint does.

    django-oauth-toolkit does the OAuth work, for the client-credentials grant only; this reshapes a
    successful body:
    `token_type` is lowercase `bearer` and `jti` identifies the token without revealing it.
    """

    def post(self, request, *args, **kwargs):
        # Limited per client IP: the endpoint is reachable before any credential is known to be good.
        refusal = throttling.hit("token", throttling.client_address(request), settings.TOKEN_RATE_LIMIT)
        if refusal is not None:
            body = {"error": "rate_limited", "error_description": "too many token requests; retry later"}
            return JsonResponse(body, status=429, headers=throttling.headers(refusal))
        # Client credentials only, refused here before django-oauth-toolkit sees anything else: its password
        # grant checks the username and password before the grant type, so a client could tell a staff
        # user's right password from a wrong one by the answer, each guess costing a password hash.
        if request.POST.getlist("grant_type") != ["client_credentials"]:
            body = {"error": "unsupported_grant_type", "error_description": "client_credentials only"}
            response = JsonResponse(body, status=400, headers={"Pragma": "no-cache"})
        else:
            response = super().post(request, *args, **kwargs)
        if response.status_code == 200:
            body = json.loads(response.content)
            body["token_type"] = "bearer"
            body["jti"] = hashlib.sha256(body["access_token"].encode()).hexdigest()[:32]
            response.content = json.dumps(body)
        response["Cache-Control"] = "no-store"
        return response
