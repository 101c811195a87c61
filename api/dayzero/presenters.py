from api.dayzero.formats import iso
from tenants.models import Account


def account(row: Account) -> dict:
    return {
        "id": str(row.id),
        "name": row.name,
        "email": row.email or None,
        "currency": row.currency,
        "entity_id": str(row.entity_id),
        "business_id": str(row.business_id),
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    }
