import logging
import os

from celery import Celery

logger = logging.getLogger(__name__)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def enqueue_on_commit(task, *args) -> None:
    """Queue `task` once the current transaction commits.

    The row the task acts on is already committed; if the broker is down, publishing fails fast (see
    CELERY_BROKER_* settings), is logged, and the periodic sweep queues the work again later. A payment
    request never fails because Redis did.
    """
    from django.db import transaction

    def publish():
        try:
            task.apply_async(args=args)
        except Exception:  # any broker failure: kombu, redis, socket errors
            logger.warning("could not queue %s%s; the sweep will retry", task.name, args, exc_info=True)

    transaction.on_commit(publish)
