import hashlib
import json

from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.views import TokenView as DotTokenView


@method_decorator(csrf_exempt, name="dispatch")
class TokenView(DotTokenView):
    """POST /oauth/token (client credentials), answered the way Zuora's token endpoint does.

    django-oauth-toolkit does the OAuth work; this only reshapes a successful body:
    `token_type` is lowercase `bearer` and `jti` identifies the token without revealing it.
    """

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        if response.status_code == 200:
            body = json.loads(response.content)
            body["token_type"] = "bearer"
            body["jti"] = hashlib.sha256(body["access_token"].encode()).hexdigest()[:32]
            response.content = json.dumps(body)
        response["Cache-Control"] = "no-store"
        return response
