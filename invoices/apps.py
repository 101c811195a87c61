from django.apps import AppConfig


class InvoicesConfig(AppConfig):
    name = "invoices"

    def ready(self):
        from django.db.models import Q

        from invoices.links import link_cancel_deliver
        from invoices.models import InvoiceNotice, PaymentLink
        from invoices.notices import invoice_notice_send
        from outbox.relay import Kind, register

        register(
            Kind(
                "notices", InvoiceNotice, Q(status=InvoiceNotice.Status.PENDING), deliver=invoice_notice_send
            )
        )
        register(
            Kind(
                "links",
                PaymentLink,
                Q(status=PaymentLink.Status.ACTIVE, cancel_requested_at__isnull=False),
                deliver=link_cancel_deliver,
            )
        )
