"""The only code that moves money: record, apply, change, unapply, refund, and reconcile to check it.

Every change is one ledger change (ledger.change): locks in one fixed order, counters changed under them,
an event with the numbers before and after, side effects as rows for the outbox, all saved in one
statement. The CHECK constraints in the models are the last line of defence.
"""

from payments.services.apply import application_change_amount, payment_apply, payment_unapply
from payments.services.parts import Part, payment_apply_parts, payment_unapply_parts
from payments.services.reconcile import Difference, ledger_reconcile
from payments.services.record import (
    payment_cancel,
    payment_record,
    payment_record_for_invoice,
    payment_update,
)
from payments.services.refund import RefundPart, refund_create

__all__ = (
    "Difference",
    "Part",
    "RefundPart",
    "application_change_amount",
    "ledger_reconcile",
    "payment_apply",
    "payment_apply_parts",
    "payment_cancel",
    "payment_record",
    "payment_record_for_invoice",
    "payment_unapply",
    "payment_unapply_parts",
    "payment_update",
    "refund_create",
)
