import io
import uuid
import zlib

from django.conf import settings
from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import patch_vary_headers

from api import observability
from api.errors import is_api_path


def _valid_request_id(value: str | None) -> str | None:
    if not value or len(value) > 64:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


CHUNK = 64 * 1024


def _declared_length(request) -> int | None:
    """The body's Content-Length (0 when absent), or None when it is not a number."""
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None


class UnreadBodyMiddleware:
    """Outermost: reads (and drops) whatever of a request's body no one read, before the answer is written.
    A socket closed with unread data is reset, and a proxy still sending the body (to a 401, a 429 or a bad
    Zuora-Track-Id, all refused unread) then answers 502, not ours. Only bodies within REQUEST_MAX_BYTES:
    a larger one is refused from its declared length, and the proxy never sends it (deploy/nginx)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if hasattr(request, "_body"):  # read whole already (by the view, or inflated from gzip)
            return response
        declared = _declared_length(request)
        if declared is None or declared > settings.REQUEST_MAX_BYTES:  # refused from its headers
            return response
        try:
            while request.read(CHUNK):
                pass
        except OSError:  # the client went away (Django's UnreadablePostError is one)
            pass
        return response


class RequestIdMiddleware:
    """Every response carries `x-request-id`: a valid incoming UUID is kept, otherwise a new one.

    Outermost middleware, so 401s, 404s and 500s rendered further in carry it too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = _valid_request_id(request.headers.get("x-request-id")) or str(uuid.uuid4())
        token = observability.bind(request_id=request.request_id)
        try:
            response = self.get_response(request)
        finally:
            observability.unbind(token)
        response["x-request-id"] = request.request_id
        return response


class RequestBodyMiddleware:
    """Bodies over REQUEST_MAX_BYTES as sent are 413; `Content-Encoding: gzip` bodies are inflated in
    chunks, stopping at REQUEST_MAX_INFLATED_BYTES (413), so a gzip bomb costs a bounded amount of memory
    and time. Corrupt gzip is 400 and any other encoding 415, in the dialect's envelope. Never a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from api.errors import renderer_for_path

        refuse = renderer_for_path(request.path_info).json_response
        limit = settings.REQUEST_MAX_BYTES
        declared = _declared_length(request)
        if declared is None:
            return refuse(400, "invalid Content-Length")
        if declared > limit:
            return refuse(413, f"request body over {limit} bytes")
        encoding = request.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding in ("", "identity"):
            return self.get_response(request)
        if encoding != "gzip":
            return refuse(415, f"unsupported Content-Encoding {encoding!r}: send gzip or identity")
        raw = request.read(limit + 1)
        if len(raw) > limit:
            return refuse(413, f"request body over {limit} bytes")
        try:
            body = self._inflate(raw, settings.REQUEST_MAX_INFLATED_BYTES)
        except _TooLarge:
            return refuse(413, f"inflated request body over {settings.REQUEST_MAX_INFLATED_BYTES} bytes")
        except (zlib.error, EOFError):
            return refuse(400, "the request body is not valid gzip")
        request._body = body
        request._stream = io.BytesIO(body)
        request.META["CONTENT_LENGTH"] = str(len(body))
        del request.META["HTTP_CONTENT_ENCODING"]
        return self.get_response(request)

    def _inflate(self, raw: bytes, cap: int) -> bytes:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out = bytearray()
        pending = raw
        while pending:
            # max_length bounds what one call may produce, whatever the compression ratio.
            out += inflater.decompress(pending, CHUNK)
            if len(out) > cap:
                raise _TooLarge()
            pending = inflater.unconsumed_tail
        out += inflater.flush()
        if len(out) > cap:
            raise _TooLarge()
        if not inflater.eof:
            raise EOFError("truncated gzip stream")
        return bytes(out)


class _TooLarge(Exception):
    pass


class GZipResponseMiddleware(GZipMiddleware):
    """Compresses responses over 1000 bytes for clients that accept gzip (seed 000's rule); every API
    response says `Vary: Accept-Encoding` so caches keep the two forms apart."""

    MIN_BYTES = 1000

    def process_response(self, request, response):
        patch_vary_headers(response, ("Accept-Encoding",))
        if not response.streaming and len(response.content) <= self.MIN_BYTES:
            return response
        return super().process_response(request, response)


class _SiteOnly:
    """Runs the middleware it is mixed into for the back office and the pages only: a dialect's path is
    served by DRF views authenticated by their credential, which load no session, no staff user and no
    messages. They stay subclasses of Django's own, which the admin's checks look for. (CSRF and
    X-Frame-Options stay on every path: they cost little, and `check --deploy` looks for Django's own.)"""

    sync_capable, async_capable = True, False

    def __call__(self, request):
        if is_api_path(request.path_info):
            return self.get_response(request)
        return super().__call__(request)


class SessionMiddleware(_SiteOnly, sessions.SessionMiddleware):
    pass


class AuthenticationMiddleware(_SiteOnly, auth.AuthenticationMiddleware):
    pass


class MessageMiddleware(_SiteOnly, messages.MessageMiddleware):
    pass
