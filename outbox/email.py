"""Sending an email row (EmailDelivery) at most once, whatever the number of tasks that ask."""

import logging
import smtplib
from collections.abc import Callable
from uuid import UUID

from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from outbox.models import EmailDelivery

logger = logging.getLogger(__name__)


def deliver(
    model: type[EmailDelivery],
    pk: UUID | str,
    message: Callable[[EmailDelivery], EmailMessage],
    *,
    related: tuple[str, ...] = (),
    still_wanted: Callable[[EmailDelivery], bool] = lambda row: True,
) -> str:
    """Sends a pending row's message and marks it sent, in one transaction holding the row's lock.

    A second task for the same row finds it locked (skip_locked: it leaves it to the first) or no longer
    pending, so nothing goes out twice. A crash between the SMTP server's acceptance and the commit leaves
    the row pending; the retry sends the same Message-ID, which lets mail systems drop the duplicate.
    """
    with transaction.atomic():
        row = (
            model.objects.across_tenants(reason="an outbox task sends the row it was queued for")
            .select_for_update(skip_locked=True, of=("self",))
            .select_related(*related)
            .filter(pk=pk, status=EmailDelivery.Status.PENDING)
            .first()
        )
        if row is None:
            return "not pending"
        if not still_wanted(row):
            row.status = EmailDelivery.Status.CANCELED
            row.save(update_fields=["status", "updated_at"])
            return "canceled"
        row.attempts += 1
        email = message(row)
        try:
            email.send()
        except (smtplib.SMTPException, OSError) as exc:
            row.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
            if row.attempts >= row.MAX_ATTEMPTS:
                row.status = EmailDelivery.Status.FAILED
            row.save(update_fields=["attempts", "last_error", "status", "updated_at"])
            logger.warning("%s %s not sent (attempt %s): %s", model.__name__, row.pk, row.attempts, exc)
            return "failed"
        row.status = EmailDelivery.Status.SENT
        row.sent_at = timezone.now()
        row.message_id = email.extra_headers["Message-ID"]
        row.last_error = ""
        row.save(update_fields=["attempts", "status", "sent_at", "message_id", "last_error", "updated_at"])
        return "sent"


def message_id(kind: str, pk: UUID, from_email: str) -> str:
    """The same Message-ID on every attempt of one row."""
    return f"<{kind}-{pk}@{from_email.split('@')[-1]}>"
