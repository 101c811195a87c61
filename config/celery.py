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
