"""Celery finds an app's tasks in its `tasks` module; the outbox's live beside the relay they run."""

from outbox.relay import deliver_task, relay_task, sweep_task

__all__ = ("deliver_task", "relay_task", "sweep_task")
