from django.http import JsonResponse

from api.zuora.errors import envelope

FORBIDDEN_CHARACTERS = set(":;\"'")
ZUORA_PATHS = ("/v1/", "/oauth/token")


def valid_track_id(value: str) -> bool:
    """At most 64 US-ASCII printable characters, none of : ; " ' (seed 000)."""
    return len(value) <= 64 and all(" " <= ch <= "~" and ch not in FORBIDDEN_CHARACTERS for ch in value)


class ZuoraTrackIdMiddleware:
    """Zuora-Track-Id: checked before any work and echoed on every Zuora response, errors included."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        track_id = request.headers.get("Zuora-Track-Id")
        if track_id is None or not request.path.startswith(ZUORA_PATHS):
            return self.get_response(request)
        if not valid_track_id(track_id):
            message = "Zuora-Track-Id must be at most 64 US-ASCII characters without : ; \" or '"
            return JsonResponse(envelope("INVALID_VALUE", message), status=400)
        response = self.get_response(request)
        response["Zuora-Track-Id"] = track_id
        return response
