"""Every rule id and code the engine can put in a plan, read from the engine's own data.

Pages must never show one of these to a person (issue #14); the presenter test and the
browser walk check rendered text against this list. Built by walking the rule sets'
dataclasses, so a rule added to the engine is checked without editing a list here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

from labs.analytes import ANALYTES
from labs.symptoms import LIFE_EVENTS, SYMPTOMS
from protocols.rules import PROFILE_FLAGS, RULE_SETS, UPPER_LIMITS

CODE_FIELDS = {"id", "code", "name", "marker", "nutrient", "rule"}


def _walk(value: object, found: set[str]) -> None:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            inner = getattr(value, f.name)
            if f.name in CODE_FIELDS and isinstance(inner, str):
                found.add(inner)
            _walk(inner, found)
    elif isinstance(value, Mapping):
        for key, inner in value.items():
            if isinstance(key, str):
                found.add(key)
            _walk(inner, found)
    elif isinstance(value, Iterable) and not isinstance(value, str | bytes):
        for inner in value:
            _walk(inner, found)


def engine_codes() -> list[str]:
    """Rule ids, alert codes, tier names and catalog codes that look like code: the ones with
    an underscore or a dot ("d3.tier.severe", "pth_intact", "excessive_thirst"). Plain words
    such as "optimal" are ordinary English and cannot be told apart from prose."""
    found: set[str] = set()
    _walk(list(RULE_SETS.values()), found)
    _walk(UPPER_LIMITS, found)
    found |= set(ANALYTES) | set(SYMPTOMS) | set(PROFILE_FLAGS) | set(LIFE_EVENTS)
    return sorted(c for c in found if ("_" in c or "." in c) and " " not in c)
