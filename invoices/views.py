"""The hosted payment-link page: public, found by the link's secret code."""

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from core.money import ZERO, plain
from invoices.links import link_by_code, link_is_live, link_state


@require_safe
@never_cache
def payment_link_page(request, code):
    link = link_by_code(code)
    if link is None:
        response = render(request, "invoices/payment_link_missing.html", status=404)
    else:
        invoice = link.invoice
        live = link_is_live(link)
        context = {
            "business": invoice.business.name,
            "invoice_number": invoice.number,
            "amount": plain(max(invoice.balance, ZERO), invoice.currency),
            "currency": invoice.currency,
            "due_date": invoice.due_date.isoformat() if invoice.due_date else "",
            "live": live,
            "link_status": link_state(link).capitalize(),
            "invoice_status": invoice.get_status_display().lower(),
        }
        response = render(request, "invoices/payment_link.html", context)
    # The code in the address is the credential: keep it out of Referer headers and search indexes.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response
