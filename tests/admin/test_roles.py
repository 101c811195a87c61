import pytest
from django.contrib.auth.models import Group

from payments.roles import BACK_OFFICE

pytestmark = pytest.mark.django_db


def test_migrate_keeps_a_back_office_group_that_views_everything_and_operates_the_ledger():
    permissions = set(Group.objects.get(name=BACK_OFFICE).permissions.values_list("codename", flat=True))
    assert {
        "view_invoice",
        "view_ledgerevent",
        "view_idempotencykey",
        "change_invoice",
        "change_receipt",
    } <= permissions
    assert not any(p.startswith(("add_", "delete_")) for p in permissions)
    assert "change_ledgerevent" not in permissions
