"""An invoice's lines: what was sold, and how their sum, with tax and surcharge, makes the invoice's total.

A line's total is `quantity` x (its unit price + each option's price modifier x that option's quantity).
The subtotal is the lines' sum; the invoice's amount (what the ledger is paid against) is the subtotal
plus tax and surcharge. An invoice given only an amount has one line of that amount.
"""

from dataclasses import dataclass
from decimal import Decimal

from core.errors import Invalid
from core.money import MAX_AMOUNT, ZERO, amount_validate
from invoices.models import Invoice, InvoiceLine, InvoiceLineOption

MAX_LINES = 200
MAX_QUANTITY = 1_000_000


@dataclass(frozen=True)
class LineOption:
    name: str
    quantity: int
    price_modifier: Decimal = ZERO
    group: str = ""


@dataclass(frozen=True)
class Line:
    name: str
    quantity: int
    unit_price: Decimal
    product_id: str = ""
    options: tuple[LineOption, ...] = ()

    @property
    def total(self) -> Decimal:
        modifiers = sum((option.price_modifier * option.quantity for option in self.options), ZERO)
        return self.quantity * (self.unit_price + modifiers)


def lines_validate(lines: list[Line]) -> list[Line]:
    """The lines, each valid; a refusal names the line (and option) by its position: lines.2.quantity."""
    if not lines:
        raise Invalid("an invoice needs at least one line", field="lines", code="required")
    if len(lines) > MAX_LINES:
        raise Invalid(f"at most {MAX_LINES} lines", field="lines", code="too_many")
    for number, line in enumerate(lines):
        where = f"lines.{number}"
        _name(line.name, f"{where}.name")
        _quantity(line.quantity, f"{where}.quantity")
        if line.unit_price != ZERO:
            amount_validate(line.unit_price, field=f"{where}.unit_price")
        for position, option in enumerate(line.options):
            _name(option.name, f"{where}.options.{position}.name")
            _quantity(option.quantity, f"{where}.options.{position}.quantity")
            if option.price_modifier != ZERO:
                amount_validate(
                    abs(option.price_modifier), field=f"{where}.options.{position}.price_modifier"
                )
        if line.total < ZERO:
            # Only a price modifier below zero can: the first one stands for them.
            first = next(n for n, option in enumerate(line.options) if option.price_modifier < ZERO)
            raise Invalid(
                "the options take the line below zero",
                field=f"{where}.options.{first}.price_modifier",
                code="negative",
            )
        if line.total >= MAX_AMOUNT:
            raise Invalid(
                f"the line must come to less than {MAX_AMOUNT:f}",
                field=f"{where}.unit_price",
                code="too_large",
            )
    return lines


def _name(name: str, field: str) -> None:
    if not name.strip():
        raise Invalid("must not be blank", field=field, code="blank")


def _quantity(quantity: int, field: str) -> None:
    if not 1 <= quantity <= MAX_QUANTITY:
        raise Invalid(f"must be from 1 to {MAX_QUANTITY}", field=field, code="quantity")


def subtotal(lines: list[Line]) -> Decimal:
    return sum((line.total for line in lines), ZERO)


def line_rows(invoice: Invoice, lines: list[Line]) -> list[InvoiceLine | InvoiceLineOption]:
    """The rows that store `lines` for `invoice`, each option after its line."""
    rows: list[InvoiceLine | InvoiceLineOption] = []
    for number, line in enumerate(lines):
        stored = InvoiceLine(
            business_id=invoice.business_id,
            entity_id=invoice.entity_id,
            invoice=invoice,
            position=number,
            name=line.name,
            quantity=line.quantity,
            unit_price=line.unit_price,
            product_id=line.product_id,
        )
        rows.append(stored)
        rows += [
            InvoiceLineOption(
                business_id=invoice.business_id,
                entity_id=invoice.entity_id,
                line=stored,
                position=position,
                name=option.name,
                quantity=option.quantity,
                price_modifier=option.price_modifier,
                group=option.group,
            )
            for position, option in enumerate(line.options)
        ]
    return rows


def line_of_amount(amount: Decimal, description: str) -> Line:
    """The one line of an invoice given only its amount."""
    return Line(name=(description.strip() or "Invoice amount")[:150], quantity=1, unit_price=amount)


def stored_lines(invoice: Invoice) -> list[Line]:
    """An invoice's lines as stored (prefetch `lines__options` for a page of invoices)."""
    return [stored_line(row) for row in invoice.lines.all()]


def stored_line(row: InvoiceLine) -> Line:
    """One stored line (prefetch its `options`)."""
    return Line(
        name=row.name,
        quantity=row.quantity,
        unit_price=row.unit_price,
        product_id=row.product_id,
        options=tuple(LineOption(o.name, o.quantity, o.price_modifier, o.group) for o in row.options.all()),
    )
