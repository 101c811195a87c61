from dataclasses import dataclass, field
from uuid import UUID

from tenants.errors import EntityRequired


@dataclass(frozen=True, slots=True)
class TenantContext:
    """Who is asking, on behalf of which business, seeing which entities.

    Resolved once per request by the api base view (or built by the admin, a task or a command) and
    passed to every selector and service as `ctx=`.
    """

    business_id: UUID
    entity_ids: tuple[UUID, ...]
    # The entity creations go to: the one named by a header, or the only one granted; None if ambiguous.
    selected_entity_id: UUID | None
    actor: str
    request_id: str = ""
    scopes: frozenset[str] = field(default_factory=frozenset)

    def entity_for_creation(self) -> UUID:
        if self.selected_entity_id is None:
            raise EntityRequired(
                "this credential holds several entities: name one in the Zuora-Entity-Ids header",
                field="Zuora-Entity-Ids",
                code="entity_required",
            )
        return self.selected_entity_id

    def sees_entity(self, entity_id: UUID) -> bool:
        return entity_id in self.entity_ids
