from celery import shared_task

from invoices.notices import invoice_notice_send
from invoices.services import payment_link_cancel


@shared_task(acks_late=True)
def cancel_payment_link(link_id: str) -> bool:
    return payment_link_cancel(link_id=link_id)


@shared_task(acks_late=True)
def send_invoice_notice(notice_id: str) -> str:
    return invoice_notice_send(notice_id)
