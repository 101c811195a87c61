"""The outbox: everything that leaves the process after a commit (receipts, invoice emails, payment link
cancellations) is first a row written in the transaction that decided it, then a task.

Each kind of such row is registered here by the app that owns it (its AppConfig.ready): which rows are
pending and the function that does the work once. The relay, run by beat every RECEIPT_RELAY_SECONDS,
claims pending rows not queued yet (SKIP LOCKED, so overlapping relays share the work), marks them queued
and publishes one `outbox.tasks.deliver` per row. A request never talks to the broker: publishing costs
about a tenth of a payment request's CPU (bench/README.md), and a broker outage cannot reach it. The sweep,
run by beat every 30 s, publishes again every row still pending SIDE_EFFECT_SWEEP_AFTER_SECONDS after it
was last touched (a publish that failed, a worker that died). Every kind's work is idempotent, so a row
published twice is done once.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from celery import current_app, shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Kind:
    name: str
    model: type[Model]
    # Rows whose side effect has not happened yet.
    pending: Q
    # Does it once for the row with this key (a second call for the same row does nothing) and says what
    # it did.
    deliver: Callable[[str], object]


_kinds: dict[str, Kind] = {}


def register(kind: Kind) -> None:
    _kinds[kind.name] = kind


def written(models: Iterable[type[Model]]) -> None:
    """Told by a transaction that wrote rows of these models. Without a broker (development and tests run
    Celery's tasks in-process) no beat runs, so the relay runs when the transaction commits."""
    if current_app.conf.task_always_eager and any(k.model in models for k in _kinds.values()):
        transaction.on_commit(relay)


def relay(limit: int = 500) -> int:
    """Queues the task of every pending row not queued yet (at most `limit` of each kind, oldest first)
    and returns how many. A row whose publish fails stays marked queued; the sweep publishes it again."""
    claimed = []
    with transaction.atomic():
        now = timezone.now()
        for k in _kinds.values():
            rows = _rows(k).filter(k.pending, queued_at=None).order_by("created_at")
            keys = list(rows.select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit])
            if keys:
                _rows(k).filter(pk__in=keys).update(queued_at=now)
                claimed += [(k.name, key) for key in keys]
    for name, key in claimed:
        _publish(name, key)
    return len(claimed)


def sweep() -> dict[str, int]:
    """Publishes again each row still pending a while after it was last touched; how many, by kind."""
    cutoff = timezone.now() - timedelta(seconds=settings.SIDE_EFFECT_SWEEP_AFTER_SECONDS)
    stale = {
        k.name: list(_rows(k).filter(k.pending, updated_at__lt=cutoff).values_list("pk", flat=True)[:1000])
        for k in _kinds.values()
    }
    for name, keys in stale.items():
        _rows(_kinds[name]).filter(pk__in=keys).update(queued_at=timezone.now())
        for key in keys:
            _publish(name, key)
    return {name: len(keys) for name, keys in stale.items()}


@shared_task(name="outbox.deliver", acks_late=True)
def deliver_task(name: str, key: str) -> object:
    return _kinds[name].deliver(key)


@shared_task(name="outbox.relay")
def relay_task() -> int:
    return relay()


@shared_task(name="outbox.sweep")
def sweep_task() -> dict:
    return sweep()


def _rows(k: Kind):
    return k.model.objects.across_tenants(reason="the outbox relays every tenant's pending side effects")


def _publish(name: str, key) -> None:
    try:
        deliver_task.apply_async(args=[name, str(key)])
    except Exception as exc:  # any broker failure: kombu, redis, socket errors
        logger.warning("could not queue %s %s, the sweep will retry: %s", name, key, exc)
