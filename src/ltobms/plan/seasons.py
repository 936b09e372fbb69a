"""The weather samples of a plan: each weather file is one sample, or N synthetic seasons.

A synthetic season is a sequence of per-day cloud fractions (the share of clear-sky GHI the day gets)
from a two-state chain of sunny and grey days: a day repeats the previous day's kind with probability
`persistence`, otherwise it is sunny with probability `clear_share`; its fraction is then drawn
uniformly from the kind's range (`sunny`, `grey`). So `clear_share` is the long-run share of sunny days
and grey spells last 1 / ((1 − persistence) · clear_share) days on average — the spells a winter node
must ride out. Within a day, `variability` adds the Sky's seeded 10-minute blocks. Each sample draws
from its own seeded stream, so sample k is the same season for every combination (and every rerun).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

from ltobms.plan.planfile import Plan


@dataclass(frozen=True)
class Sample:
    index: int
    label: str
    sections: dict[str, dict[str, Any]]  # scenario sections this sample sets (sky, weather)
    file: str | None = None  # the weather file's local path (file samples)


def synthetic_days(plan: Plan, sample: int) -> list[float]:
    """The per-day cloud fractions of synthetic season `sample`."""
    w = plan.weather
    rng = random.Random(f"ltobms-plan-season:{plan.seed}:{sample}")
    days = math.ceil(plan.days) + 1  # the start may fall inside a day
    fractions: list[float] = []
    sunny = rng.random() < w.clear_share
    for day in range(days):
        if day and rng.random() >= w.persistence:
            sunny = rng.random() < w.clear_share
        lo, hi = w.sunny if sunny else w.grey
        fractions.append(round(rng.uniform(lo, hi), 4))
    return fractions


def samples(plan: Plan) -> list[Sample]:
    w = plan.weather
    if w.files:
        out = []
        for i, (path, name) in enumerate(zip(w.files, w.names, strict=True)):
            weather = {"file": str(path), "format": w.format, "temperature": w.temperature}
            out.append(Sample(i, name, {"weather": weather}, str(path)))
        return out
    return [Sample(i, f"season {i + 1}",
                   {"sky": {"day_cloud": synthetic_days(plan, i), "variability": w.variability}})
            for i in range(w.seasons)]
