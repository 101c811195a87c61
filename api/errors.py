"""How errors leave the service. Each dialect subclasses ErrorRenderer to speak its own envelope."""

import logging

from django.db import OperationalError
from django.http import JsonResponse
from psycopg import errors as pg
from rest_framework import exceptions as drf
from rest_framework.response import Response

from core import errors as app

logger = logging.getLogger(__name__)


class RequestRefused(drf.APIException):
    """Refused before any work: such answers are never saved against an Idempotency-Key (a retry is safe)."""


class MissingHeader(RequestRefused):
    """A header the dialect requires (DayZero's x-business-id) is absent."""

    status_code = 422

    def __init__(self, header: str):
        super().__init__(f"missing header {header}")
        self.header = header


APPLICATION_STATUS = {
    app.NotFound: 404,
    app.Conflict: 409,
    app.Invalid: 422,
    app.Forbidden: 403,
    app.EntityRequired: 400,
}


def lock_wait_expired(exc: BaseException) -> bool:
    """PostgreSQL gave up waiting for a row lock (lock_timeout = LOCK_WAIT_SECONDS): the row is busy."""
    return isinstance(exc, OperationalError) and isinstance(exc.__cause__, pg.LockNotAvailable)


class ErrorRenderer:
    """Turns application errors, DRF errors and plain HTTP statuses into one dialect's bodies."""

    # URL prefix whose Django-level 404s and 500s this dialect renders (see handler404/handler500).
    path_prefix: str = "/"
    application_status = APPLICATION_STATUS

    def body(self, status: int, message: str, exc: Exception | None = None) -> dict:
        return {"detail": message}

    def validation_body(self, status: int, exc: drf.ValidationError, context: dict) -> dict:
        return {"detail": exc.detail}

    def validation_status(self) -> int:
        return 422

    def application_response(self, exc: app.ApplicationError) -> Response:
        status = self.application_status[type(exc)]
        return Response(self.body(status, exc.message, exc), status=status)

    def handle(self, exc: Exception, context) -> Response | None:
        """DRF's exception handler for this dialect's views; None lets Django answer 500."""
        if isinstance(exc, app.ApplicationError):
            return self.application_response(exc)
        if isinstance(exc, drf.ValidationError):
            status = self.validation_status()
            return Response(self.validation_body(status, exc, context), status=status)
        if isinstance(exc, drf.APIException):
            status = exc.status_code
            if isinstance(exc, drf.NotAuthenticated | drf.AuthenticationFailed):
                status = 401
            headers = {}
            if getattr(exc, "auth_header", None):
                headers["WWW-Authenticate"] = exc.auth_header
            if isinstance(exc, drf.Throttled) and exc.wait is not None:
                headers["Retry-After"] = str(int(exc.wait) + 1)
            headers.update(getattr(exc, "extra_headers", {}))
            return Response(self.body(status, str(exc.detail), exc), status=status, headers=headers)
        if lock_wait_expired(exc):
            # Other requests held the invoice or payment for LOCK_WAIT_SECONDS: nothing was changed.
            message = "the ledger rows this request needs are busy; retry shortly"
            return Response(self.body(503, message, exc), status=503, headers={"Retry-After": "1"})
        return None

    def json_response(self, status: int, message: str) -> JsonResponse:
        return JsonResponse(self.body(status, message), status=status)


_renderers: list[ErrorRenderer] = []


def register(renderer: ErrorRenderer) -> ErrorRenderer:
    _renderers.append(renderer)
    _renderers.sort(key=lambda r: len(r.path_prefix), reverse=True)
    return renderer


def renderer_for_path(path: str) -> ErrorRenderer:
    return next((r for r in _renderers if path.startswith(r.path_prefix)), DEFAULT)


def is_api_path(path: str) -> bool:
    """Whether `path` belongs to one of the dialects (each registers its error renderer by path)."""
    return renderer_for_path(path) is not DEFAULT


DEFAULT = ErrorRenderer()


def handler404(request, exception=None):
    return renderer_for_path(request.path_info).json_response(404, "Not Found")


def handler500(request):
    return renderer_for_path(request.path_info).json_response(500, "internal error")
