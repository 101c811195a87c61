from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"

    def ready(self):
        from django.db.models.signals import post_migrate

        from payments.roles import back_office_group_sync

        # After every app's migrations: the permissions of apps installed later exist only by then.
        post_migrate.connect(back_office_group_sync, dispatch_uid="back_office_group_sync")
