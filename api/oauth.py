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

    django-oauth-toolkit does the OAuth work; this only reshapes a successful body:
    `token_type` is lowercase `bearer` and `jti` identifies the token without revealing it.
    """

    def post(self, request, *args, **kwargs):
        # Limited per client IP: the endpoint is reachable before any credential is known to be good.
        refusal = throttling.hit("token", throttling.client_address(request), settings.TOKEN_RATE_LIMIT)
        if refusal is not None:
            body = {"error": "rate_limited", "error_description": "too many token requests; retry later"}
            return JsonResponse(body, status=429, headers=throttling.headers(refusal))
        response = super().post(request, *args, **kwargs)
        if response.status_code == 200:
            body = json.loads(response.content)
            body["token_type"] = "bearer"
            body["jti"] = hashlib.sha256(body["access_token"].encode()).hexdigest()[:32]
            response.content = json.dumps(body)
        response["Cache-Control"] = "no-store"
        return response
