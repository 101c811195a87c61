"""payments.selectors: the statements written once, as PostgreSQL plans them when prepared."""

import re
from decimal import Decimal

import pytest
from django.db import connection

from payments import selectors
from payments.models import InvoicePayment, Payment
from payments.services import payment_apply

pytestmark = pytest.mark.django_db


def _generic_plan(sql: str, types: str, literals: str) -> str:
    """The plan PostgreSQL uses for `sql` once prepared and run five times, when it settles on one plan for
    any parameters (a generic plan) rather than planning each run with its values."""
    numbers = iter(range(1, 100))
    prepared = re.sub("%s", lambda _: f"${next(numbers)}", sql)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(f"PREPARE page_plan({types}) AS {prepared}")
        cursor.execute(f"EXPLAIN EXECUTE page_plan({literals})")
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("DEALLOCATE page_plan")
    return plan


def _copy(model, pk, times: int, fresh: tuple[str, ...]) -> None:
    table = model._meta.db_table
    kept = ", ".join(f.column for f in model._meta.concrete_fields if f.column not in fresh)
    new_ids = "gen_random_uuid(), " if "id" in fresh else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({'id, ' if new_ids else ''}{kept}) "
            f"SELECT {new_ids}{kept} FROM {table}, generate_series(1, {times}) WHERE id = %s",
            [pk],
        )
        cursor.execute(f"ANALYZE {table}")


def test_a_page_of_applications_finds_each_payment_by_its_key_whatever_the_business_holds(tenant):
    """The page clients poll must not grow with the business's payments. Its generic plan once hashed all
    of them: 0.9 ms became 8.8 ms at 14,000 payments, in the middle of a benchmark run."""
    invoice = tenant.invoice("100")
    payment = tenant.payment("30")
    payment_apply(ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=payment.id, amount=Decimal("10"))
    # 5,000 more payments of the business and 2,000 more applications on the invoice (copies of the rows
    # above, by SQL), then fresh statistics: the shape the bench's database has after a few minutes.
    _copy(Payment, payment.id, 5000, fresh=("id", "number"))
    _copy(InvoicePayment, InvoicePayment.objects.for_tenant(tenant.ctx()).get().id, 2000, fresh=("id",))
    table = Payment._meta.db_table
    business, entities = tenant.ctx().business_id, "{" + ",".join(map(str, tenant.ctx().entity_ids)) + "}"
    plan = _generic_plan(
        selectors._application_page_sql(after=False, backwards=False),
        "bigint, uuid, uuid, uuid[]",
        f"51, '{invoice.id}', '{business}', '{entities}'",
    )
    assert "Hash" not in plan, plan
    assert f"Index Scan using {table}_pkey on {table} p" in plan, plan
