"""Money, in exact decimals (CNY, 4 places as stored).

The client pays the job's ``price_per_item`` for an item once it is decided (or reviewed) and at
least one label agrees with the decision; that price is shared equally by the agreeing labels,
so an item's charge always equals the sum of its labels' amounts, and a statement adds up to
the labels behind it. Rejected, pending and gold labels earn nothing.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

QUANTUM = Decimal("0.0001")


def split_price(price: Decimal, parts: int) -> list[Decimal]:
    """``price`` in ``parts`` shares of whole ten-thousandths that sum to it exactly; the
    remainder goes one unit each to the first shares (the earliest labels)."""
    if parts <= 0:
        return []
    units = int((price / QUANTUM).to_integral_value(rounding=ROUND_DOWN))
    base, extra = divmod(units, parts)
    return [(base + (1 if i < extra else 0)) * QUANTUM for i in range(parts)]
