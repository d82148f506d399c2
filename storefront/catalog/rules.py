"""Pure catalogue rules: size class from dimensions and the repairability score."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

SizeClass = Literal["micro", "mini", "standard", "oversized"]
SIZE_CLASSES: tuple[SizeClass, ...] = ("micro", "mini", "standard", "oversized")


def size_class(length_mm: int, width_mm: int, height_mm: int) -> SizeClass:
    """The size class from the longest side: <10 cm micro, 10-20 mini, 20-35 standard, >35 oversized.

    "<10 cm" is micro, so a longest side of exactly 100 mm is mini; 200 mm is still mini and
    350 mm still standard (the upper bounds are inclusive).
    """
    longest = max(length_mm, width_mm, height_mm)
    if longest < 100:
        return "micro"
    if longest <= 200:
        return "mini"
    if longest <= 350:
        return "standard"
    return "oversized"


# Weights of each criterion in the 0-10 score. Parts and modularity weigh most because they
# decide whether a bag is repaired at all; documentation least.
REPAIR_WEIGHTS: dict[str, int] = {
    "parts_availability": 35,
    "modularity": 30,
    "ease_of_repair": 20,
    "documentation": 15,
}


def repairability_score(breakdown: dict[str, int]) -> Decimal:
    """Weighted mean of the 0-10 criteria, to one decimal place (half up, as scores are read)."""
    total = sum(REPAIR_WEIGHTS[name] * breakdown[name] for name in REPAIR_WEIGHTS)
    return (Decimal(total) / Decimal(sum(REPAIR_WEIGHTS.values()))).quantize(Decimal("0.1"), rounding="ROUND_HALF_UP")
