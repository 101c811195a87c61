import uuid


def _valid_request_id(value: str | None) -> str | None:
    if not value or len(value) > 64:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


class RequestIdMiddleware:
    """Every response carries `x-request-id`: a valid incoming UUID is kept, otherwise a new one.

    Outermost middleware, so 401s, 404s and 500s rendered further in carry it too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = _valid_request_id(request.headers.get("x-request-id")) or str(uuid.uuid4())
        response = self.get_response(request)
        response["x-request-id"] = request.request_id
        return response
