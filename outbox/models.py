from django.db import models


class EmailDelivery(models.Model):
    """An email kept as a row: pending until its outbox task sends it (at most once, see outbox/email.py),
    with its attempts and last error. Receipts and invoice emails are both such rows."""

    class Status(models.TextChoices):
        PENDING = "pending"
        SENT = "sent"
        SKIPPED = "skipped"  # no email address to send to
        CANCELED = "canceled"  # what it was about changed before it went out
        FAILED = "failed"  # gave up after MAX_ATTEMPTS

    MAX_ATTEMPTS = 10

    to_email = models.EmailField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # When the outbox relay queued its send task; NULL until it does (outbox/relay.py).
    queued_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
