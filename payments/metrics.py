"""Ledger metrics (prometheus-client); /metrics in api/observability.py exposes them."""

from prometheus_client import Counter

PAYMENTS_APPLIED = Counter("ledger_payments_applied_total", "Payments applied to invoices")
RECEIPTS_SENT = Counter("receipts_sent_total", "Receipts sent")
