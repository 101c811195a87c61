import logging
import os

from celery import Celery, signals

logger = logging.getLogger(__name__)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.task_prerun.connect
def _bind_task_context(task_id=None, task=None, **kwargs):
    from api import observability

    task.request.log_context = observability.bind(task_id=task_id)


@signals.task_postrun.connect
def _unbind_task_context(task=None, **kwargs):
    from api import observability

    token = getattr(task.request, "log_context", None)
    if token is not None:
        observability.unbind(token)


@signals.task_failure.connect
def _count_task_failure(sender=None, **kwargs):
    from api import observability

    observability.TASK_FAILURES.labels(sender.name if sender else "unknown").inc()


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
        except Exception as exc:  # any broker failure: kombu, redis, socket errors
            logger.warning("could not queue %s%s, the sweep will retry: %s", task.name, args, exc)

    transaction.on_commit(publish)
