"""Reads of payment links: the public page's lookup crosses tenants on purpose (the code is the credential)."""

import re

from invoices.models import Invoice, PaymentLink

# What secrets.token_urlsafe makes (invoices.services.payment_link_open), within the column's length.
LINK_CODE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def payment_link_by_code(code: str) -> PaymentLink | None:
    """The public page's lookup, across tenants on purpose: the link's random code is the credential."""
    if not LINK_CODE.fullmatch(code):
        return None
    return (
        PaymentLink.objects.unscoped()
        .select_related("invoice__business", "invoice__account")
        .filter(code=code)
        .first()
    )


def payment_link_is_live(link: PaymentLink) -> bool:
    """Whether the link can still take a payment: active, not asked to cancel, its invoice still payable."""
    return (
        link.status == PaymentLink.Status.ACTIVE
        and link.cancel_requested_at is None
        and link.invoice.status in Invoice.PAYABLE
    )
