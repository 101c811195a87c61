import pytest

from core.errors import TenantRequired
from tenants.models import Account, Entity

pytestmark = pytest.mark.django_db


def test_default_manager_fails_closed_without_a_tenant(tenant):
    tenant.account()
    with pytest.raises(TenantRequired):
        list(Account.objects.all())
    with pytest.raises(TenantRequired):
        Account.objects.filter(name="x").exists()
    with pytest.raises(TenantRequired):
        Account.objects.count()


def test_for_tenant_sees_only_that_tenant(tenant, other_tenant):
    mine, theirs = tenant.account(), other_tenant.account()
    assert list(Account.objects.for_tenant(tenant.ctx())) == [mine]
    assert list(Account.objects.for_tenant(other_tenant.ctx())) == [theirs]
    assert set(Account.objects.across_tenants(reason="test")) == {mine, theirs}


def test_for_tenant_narrows_to_the_context_entities(db):
    from tests.factories import make_tenant

    tenant = make_tenant(entities=2)
    first, second = tenant.entity_ids
    a = tenant.account(entity_id=first)
    b = tenant.account(entity_id=second)
    assert list(Account.objects.for_tenant(tenant.ctx(first))) == [a]
    assert list(Account.objects.for_tenant(tenant.ctx(second))) == [b]
    assert list(Entity.objects.for_tenant(tenant.ctx(second)).values_list("id", flat=True)) == [second]
