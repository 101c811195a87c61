import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse


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
