"""Application errors: one type per meaning. Every dialect renders them in its own envelope.

They live at the bottom of the dependency arrows (api -> payments -> invoices -> tenants) so that every
layer can raise them without knowing a dialect exists.
"""


class ApplicationError(Exception):
    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class NotFound(ApplicationError):
    """The object does not exist for this tenant (another tenant's object is exactly as absent)."""


class Conflict(ApplicationError):
    """The request is well formed but the state of the ledger refuses it (a void invoice, say)."""


class Invalid(ApplicationError):
    """A value breaks a rule: wrong currency, over the unallocated amount, not positive..."""


class Forbidden(ApplicationError):
    """The credential lacks a scope, or names a business or entity it was not granted."""


class EntityRequired(ApplicationError):
    """The credential holds several entities and the request must say which one."""


class TenantRequired(RuntimeError):
    """Raised by the fail-closed manager: a query ran without a tenant. A bug, never a client error."""
