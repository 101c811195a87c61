from api.errors import renderer_for_path

FORBIDDEN_CHARACTERS = set(":;\"'")
ZUORA_PATHS = ("/v1/", "/oauth/")


def valid_track_id(value: str) -> bool:
    """At most 64 US-ASCII printable characters, none of : ; " ' (seed 000)."""
    return len(value) <= 64 and all(" " <= ch <= "~" and ch not in FORBIDDEN_CHARACTERS for ch in value)


class ZuoraHeadersMiddleware:
    """Zuora's response headers, on every answer under its paths, errors included: Zuora-Request-Id, the
    request's id (x-request-id's value, set by api.middleware.RequestIdMiddleware outside this one), and
    Zuora-Track-Id, checked before any work and echoed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(ZUORA_PATHS):
            return self.get_response(request)
        track_id = request.headers.get("Zuora-Track-Id")
        if track_id is not None and not valid_track_id(track_id):
            message = "Zuora-Track-Id must be at most 64 US-ASCII characters without : ; \" or '"
            response = renderer_for_path(request.path_info).json_response(400, message)
        else:
            response = self.get_response(request)
            if track_id is not None:
                response["Zuora-Track-Id"] = track_id
        response["Zuora-Request-Id"] = request.request_id
        return response
