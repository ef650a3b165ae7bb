"""The rules engine: a Snapshot of one person in, a Plan out.

Pure Python (no Django): the numbers come from ``protocols.rules``; the engine decides
which rule fires, records its id and source on every dose and alert, and says why.
Deterministic and total: valid input never raises.

The package follows the plan's own seams:

- ``snapshot``: what goes in (results, intakes, symptoms, flags) and the context read from it;
- ``tiers``: which band each marker is in, and whether the last change was the expected one;
- ``alerts``: safety stops, warnings and hints;
- ``doses``: the daily amount, form and time slot of each nutrient;
- ``retest``: the phase, the retest window and what to expect then;
- ``plan``: what comes out, with its JSON shape; ``assemble``: the entry point.
"""

from protocols.engine.assemble import compute_plan
from protocols.engine.kinds import Level, Nutrient, Phase, TimeSlot
from protocols.engine.plan import (
    Alert,
    MarkerStatus,
    Plan,
    Response,
    Retest,
    ScheduleItem,
    SupplementLine,
)
from protocols.engine.retest import add_months
from protocols.engine.snapshot import Intake, Measurement, Snapshot, UnknownRuleSet
from protocols.rules import (
    GOALS,
    LIFE_EVENTS,
    NUTRIENTS,
    PROFILE_FLAGS,
    RULE_SETS,
    RULES_VERSION,
    SYMPTOMS,
)

__all__ = [
    "GOALS",
    "LIFE_EVENTS",
    "NUTRIENTS",
    "PROFILE_FLAGS",
    "RULE_SETS",
    "RULES_VERSION",
    "SYMPTOMS",
    "Alert",
    "Intake",
    "Level",
    "MarkerStatus",
    "Measurement",
    "Nutrient",
    "Phase",
    "Plan",
    "Response",
    "Retest",
    "ScheduleItem",
    "Snapshot",
    "SupplementLine",
    "TimeSlot",
    "UnknownRuleSet",
    "add_months",
    "compute_plan",
]
