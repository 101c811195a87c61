"""The one way the ledger changes: a unit of work every money-moving and invoice-lifecycle service uses.

    with ledger_change(ctx) as change:
        payment, invoice = change.lock(Wanted(Payment, ...), Wanted(Invoice, ...))  # the fixed order
        ...rules, then counters changed on the locked rows...
        application = change.add(InvoicePayment(...))
        change.record(LedgerEvent.Kind.APPLIED, payment, invoice, application)      # settles, snapshots
    # on leaving the block: every changed, new and deleted row and every event in one statement

One transaction per change. Rows are locked in LOCK_ORDER (by model; within a model the service sorts),
each in its turn (tenants.statements). `record` settles the rows it names (an invoice's status follows its
counters), then writes an event with their numbers before (as locked, or as of the previous event) and
after. Leaving the block writes the locked rows' changed fields, the new rows, the deletions and the
events in one statement, and tells the outbox about side-effect rows it wrote.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from typing import Protocol

from django.db import DatabaseError, connection, transaction
from django.db.models import Model
from django.db.transaction import TransactionManagementError

from core.ids import parse_uuid
from ledger.models import LedgerEvent
from outbox import relay as outbox
from tenants import statements
from tenants.context import TenantContext
from tenants.statements import Wanted

__all__ = ("LOCK_ORDER", "Change", "LockOrderError", "Wanted", "changes_share_transaction", "ledger_change")

# Models in the order their rows are locked: a change never locks a row of a model listed before one it
# already holds, so two changes never wait for each other in a cycle.
LOCK_ORDER = (
    "payments.payment",
    "invoices.invoice",
    "payments.invoicepayment",
    "payments.receipt",
    "invoices.paymentlink",
)


class LedgerRow(Protocol):
    """A row that takes part in ledger events: named in them, with the numbers that matter."""

    ledger_name: str  # the event's key for its numbers, and `<ledger_name>_id` its id column if it has one

    def ledger_numbers(self) -> dict: ...


class LockOrderError(RuntimeError):
    """A change asked for locks out of LOCK_ORDER: a bug that could deadlock, never a client error."""


class Change:
    def __init__(self, ctx: TenantContext):
        self.ctx = ctx
        self._rank = 0
        self._locked: list[Model] = []
        self._held: dict[tuple[type[Model], object], Model] = {}  # (model, pk) -> the locked instance
        self._as_locked: dict[int, list] = {}  # id(row) -> its field values when locked
        self._numbers: dict[int, dict] = {}  # id(row) -> its numbers as of the last event (or lock)
        self._inserts: list[Model] = []
        self._deletes: list[Model] = []

    # --- locks ---------------------------------------------------------------------------------------

    def lock(self, *wanted: Wanted) -> list[Model]:
        """Locks rows by their keys, in the order given (one statement), or NotFound for the first absent."""
        for one in wanted:
            self._in_order(one.model)
        rows = statements.get_locked_together(self.ctx, *wanted)
        return [self._hold(row) for row in rows]

    def lock_one[M: Model](self, model: type[M], pk, *, what: str, field: str, **lookup) -> M:
        """One row by its key (and `lookup` column values), locked, or NotFound("`what` not found"). A row
        this change holds already is the same instance, with the changes made to it."""
        held = self._held.get((model, parse_uuid(pk)))
        if held is not None and not lookup.keys() - {"related"}:
            return held
        self._in_order(model)
        return self._hold(statements.get_locked(model, self.ctx, pk, what=what, field=field, **lookup))

    def lock_where[M: Model](self, model: type[M], **equal) -> M | None:
        """The one row with these column values (an invoice's active link), locked, or None."""
        self._in_order(model)
        row = statements.get(model, self.ctx, None, lock=True, **equal)
        if row is not None:
            self._hold(row)
        return row

    def _in_order(self, model: type[Model]) -> None:
        rank = LOCK_ORDER.index(model._meta.label_lower) + 1
        if rank < self._rank:
            raise LockOrderError(f"{model.__name__} locked after a row of {LOCK_ORDER[self._rank - 1]}")
        self._rank = rank

    def _hold(self, row: Model) -> Model:
        self._held[type(row), row.pk] = row
        self._locked.append(row)
        self._as_locked[id(row)] = [getattr(row, f.attname) for f in row._meta.concrete_fields]
        if hasattr(row, "ledger_numbers"):
            self._numbers[id(row)] = row.ledger_numbers()
        return row

    # --- changes -------------------------------------------------------------------------------------

    def add[M: Model](self, row: M) -> M:
        """A new row, inserted when the change is saved."""
        self._inserts.append(row)
        return row

    def delete(self, row: Model) -> None:
        """A locked row, deleted when the change is saved; events keep its numbers."""
        self._deletes.append(row)

    def record(
        self, kind: str, *rows: LedgerRow, about: Sequence[Model] = (), reason: str = ""
    ) -> LedgerEvent:
        """The event of what was just done to `rows`: each settled first (an invoice's status follows its
        counters), then their numbers before and after. `about` names more rows by id only; `reason` is
        why, when whoever did it said."""
        for row in rows:
            settle = getattr(row, "settle", None)
            if settle is not None:
                settle()
        before, after = {}, {}
        for row in rows:
            previous = self._numbers.get(id(row))
            if previous is not None:
                before[row.ledger_name] = previous
            if row not in self._deletes:
                after[row.ledger_name] = self._numbers[id(row)] = row.ledger_numbers()
        event = LedgerEvent(
            business_id=self.ctx.business_id,
            entity_id=rows[0].entity_id,
            kind=kind,
            actor=self.ctx.actor,
            request_id=self.ctx.request_id,
            before=before,
            after=after,
            reason=reason,
        )
        for row in (*rows, *about):
            column = f"{row.ledger_name}_id"
            if hasattr(event, column):
                setattr(event, column, row.pk)
        return self.add(event)

    # --- saving --------------------------------------------------------------------------------------

    def save(self) -> None:
        updates = []
        for row in self._locked:
            if row in self._deletes:
                continue
            fields = row._meta.concrete_fields
            changed = [
                f.name
                for f, was in zip(fields, self._as_locked[id(row)], strict=True)
                if getattr(row, f.attname) != was
            ]
            if changed:
                changed += [f.name for f in fields if getattr(f, "auto_now", False) and f.name not in changed]
                updates.append((row, changed))
        if updates or self._inserts or self._deletes:
            statements.write(updates=updates, inserts=self._inserts, deletes=self._deletes)
        outbox.written({type(row) for row in (*self._inserts, *(row for row, _ in updates))})


# The depth of the atomic block whose ledger changes share its transaction (changes_share_transaction).
_shared_at: ContextVar[int | None] = ContextVar("ledger_changes_shared_at", default=None)


@contextmanager
def changes_share_transaction() -> Iterator[None]:
    """Ledger changes made directly in the atomic block this is entered in take no savepoint of their own.

    For a transaction that ends whole on any database error, as an API request's does: it answers one
    with a 5xx, which is never saved as the request's outcome. A change's only write is the statement its
    end sends, so a refusal raised before it has nothing to undo and leaves the transaction usable, and
    the round trip of a SAVEPOINT is saved. A block nested inside (its own `transaction.atomic()`) keeps
    savepoints for the changes in it.
    """
    if not connection.in_atomic_block:
        raise TransactionManagementError("changes share a transaction only inside one")
    token = _shared_at.set(len(connection.atomic_blocks))
    try:
        yield
    finally:
        _shared_at.reset(token)


@contextmanager
def ledger_change(ctx: TenantContext) -> Iterator[Change]:
    """One ledger change, in its own transaction (a savepoint inside another): saved when the block ends,
    rolled back whole if it raises. Inside changes_share_transaction(), in the enclosing transaction: a
    database error, or anything raised once the write began, rolls back that whole transaction."""
    shared = _shared_at.get() == len(connection.atomic_blocks)
    with nullcontext() if shared else transaction.atomic():
        change, writing = Change(ctx), False
        try:
            yield change
            writing = True
            change.save()
        except BaseException as exc:
            # PostgreSQL has aborted the transaction, or part of the change may be written: none of it
            # may commit. A refusal before the write leaves nothing to undo.
            if shared and (writing or isinstance(exc, DatabaseError)):
                transaction.set_rollback(True)
            raise
