from celery import shared_task

from api.idempotency import purge_expired


@shared_task
def purge_idempotency_keys() -> int:
    return purge_expired()
