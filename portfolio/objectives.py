"""The objectives a scenario can optimise, by name (no dependencies: the command line's argument
parser reads them without importing the optimiser)."""

from __future__ import annotations

OBJECTIVE_LABELS: dict[str, str] = {
    "net": "Samlet nettoeffekt over horisonten",
    "permanent": "Varige ændringer over horisonten",
    "annual": "Varig årlig effekt i horisontens sidste år",
    "npv": "Nutidsværdi af nettoeffekten",
    "min_pool": "Mindst mulig investering fra puljerne",
}
MINIMISED_OBJECTIVES = frozenset({"min_pool"})  # reported as the amount itself (positive), not as a saving
