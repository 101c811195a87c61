from dataclasses import dataclass, field, replace
from uuid import UUID

from core.errors import EntityRequired, NotFound
from core.ids import parse_uuid


@dataclass(frozen=True, slots=True)
class TenantContext:
    """Who is asking, on behalf of which business, seeing which entities.

    Resolved once per request by the api base view (or built by the admin, a task or a command) and
    passed to every selector and service as `ctx=`.
    """

    business_id: UUID
    entity_ids: tuple[UUID, ...]
    # The entity creations go to: the one the request selected, or the only one granted; None if ambiguous.
    selected_entity_id: UUID | None
    actor: str
    request_id: str = ""
    scopes: frozenset[str] = field(default_factory=frozenset)

    def entity_for_creation(self) -> UUID:
        if self.selected_entity_id is None:
            raise EntityRequired(
                "this credential holds several entities and the request names none of them",
                field="entity_id",
                code="entity_required",
            )
        return self.selected_entity_id

    def narrowed(self, entity_id: UUID | str) -> "TenantContext":
        """This context seeing only `entity_id`, one of its entities; NotFound for any other."""
        entity = parse_uuid(entity_id)
        if entity not in self.entity_ids:
            raise NotFound("entity not found", field="entity_id")
        return replace(self, entity_ids=(entity,), selected_entity_id=entity)
