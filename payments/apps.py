from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"

    def ready(self):
        from django.db.models import Q
        from django.db.models.signals import m2m_changed, post_migrate

        from outbox.relay import Kind, register
        from payments.models import Receipt
        from payments.receipts import receipt_send
        from payments.roles import back_office_group_assign, back_office_group_sync
        from tenants.models import Business

        register(Kind("receipts", Receipt, Q(status=Receipt.Status.PENDING), deliver=receipt_send))
        # After every app's migrations: the permissions of apps installed later exist only by then.
        post_migrate.connect(back_office_group_sync, dispatch_uid="back_office_group_sync")
        # A user made staff of a business gets the group: no second step by hand.
        m2m_changed.connect(
            back_office_group_assign, sender=Business.staff.through, dispatch_uid="back_office_group_assign"
        )
