import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

SERVICE = "Invoice payments"
DESCRIPTION = (
    "A multi-tenant ledger of payments against invoices, speaking the Zuora v1 CRUD, DayZero and Moov APIs."
)


@require_safe
def index(request):
    """`/`: what this service is and where to go. HTML for a browser (the page `make run` points people at);
    JSON for a client whose Accept prefers application/json over text/html, so scripts can find the links."""
    links = {
        "docs": reverse("swagger-ui"),
        "schema": reverse("schema"),
        "admin": reverse("admin:index"),
        "health": reverse("healthz"),
    }
    context = {"service": SERVICE, "description": DESCRIPTION, "links": links}
    if request.get_preferred_type(["text/html", "application/json"]) == "application/json":
        response = JsonResponse(context)
    else:
        response = render(request, "index.html", context)
    patch_vary_headers(response, ["Accept"])
    return response


def healthz(request):
    """The process is up."""
    return JsonResponse({"status": "ok"})


def readyz(request):
    """The database answers and, when configured, Redis does: 503 otherwise."""
    checks = {"database": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        checks["database"] = f"unavailable: {exc.__class__.__name__}"
    if settings.REDIS_URL:
        checks["redis"] = "ok"
        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5).ping()
        except redis.RedisError as exc:
            checks["redis"] = f"unavailable: {exc.__class__.__name__}"
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503
    )
