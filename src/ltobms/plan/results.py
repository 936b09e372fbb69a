"""Per-combination figures over the weather samples, and the recommendation.

A combination survives when the node never went down in any sample. The first two swept axes are the
main ones (the pack and the panel, usually); for each setting of the other axes, the smallest
surviving combinations are those no other survivor undercuts on both main axes (the Pareto front).
The recommended one is the front's member with the fewest steps up the two axes (ties: the smaller
value of the first axis); the next smaller combination is one step down the first axis from it (or
the second, when the first is at its smallest) — by construction a combination that does not survive
every sample, which the SOC plot shows beside it.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

from ltobms.plan.planfile import Axis
from ltobms.plan.runner import Sweep
from ltobms.plan.sweep import Combination

FIGURES = ("survival_share", "outage_hours_max", "hours_cut_max", "days_with_cut_max", "longest_outage_h",
           "soc_min", "energy_margin_min", "lockouts")


@dataclass
class Summary:
    combination: Combination
    runs: list[dict[str, Any] | None]  # per sample, None when it has not run (yet)

    @property
    def done(self) -> list[dict[str, Any]]:
        return [r for r in self.runs if r is not None]

    @property
    def complete(self) -> bool:
        return all(r is not None for r in self.runs)

    @property
    def survives(self) -> bool:
        return self.complete and all(r["survived"] for r in self.runs if r is not None)

    def figures(self) -> dict[str, Any]:
        done = self.done
        if not done:
            return {name: math.nan for name in FIGURES} | {"samples_done": 0, "samples": len(self.runs)}
        return {
            "samples_done": len(done), "samples": len(self.runs),
            "survival_share": sum(r["survived"] for r in done) / len(done),
            "outage_hours_max": max(r["outage_hours"] for r in done),
            "hours_cut_max": max(r["hours_cut"] for r in done),
            "hours_cut_mean": sum(r["hours_cut"] for r in done) / len(done),
            "days_with_cut_max": max(r["days_with_cut"] for r in done),
            "longest_outage_h": max(r["longest_outage_h"] for r in done),
            "soc_min": min(r["soc_min"] for r in done),
            "energy_margin_min": min(r["energy_margin"] for r in done),
            "lockouts": max(sum(r["lockouts"].values()) for r in done),
            "uvlo_lockouts": max(r["lockouts"]["UVLO"] for r in done),
        }

    def worst(self) -> int | None:
        """The sample with the most outage, then the lowest state of charge."""
        done = [(i, r) for i, r in enumerate(self.runs) if r is not None]
        if not done:
            return None
        return min(done, key=lambda ir: (-ir[1]["outage_hours"], ir[1]["soc_min"]))[0]


@dataclass
class Recommendation:
    group: tuple[tuple[str, Any], ...]  # values of the axes beyond the two main ones
    smallest: list[Summary]  # the Pareto front of survivors on the main axes
    recommended: Summary | None
    next_smaller: Summary | None

    def label(self) -> str:
        from ltobms.plan.planfile import AXIS_LABELS

        return ", ".join(f"{AXIS_LABELS.get(p, p)}={v:g}" if isinstance(v, float) else
                         f"{AXIS_LABELS.get(p, p)}={v}" for p, v in self.group)


def summarize(sweep: Sweep) -> list[Summary]:
    samples = sweep.plan.weather.samples
    by_combo: dict[int, Summary] = {}
    for i, spec in enumerate(sweep.specs):
        s = by_combo.setdefault(spec.combination.index, Summary(spec.combination, [None] * samples))
        s.runs[spec.sample] = sweep.result(i)
    return [by_combo[k] for k in sorted(by_combo)]


def _index(axis: Axis, value: Any) -> int:
    return axis.values.index(value)


def recommend(axes: tuple[Axis, ...], summaries: list[Summary]) -> list[Recommendation]:
    main, other = axes[:2], axes[2:]
    groups: dict[tuple[tuple[str, Any], ...], list[Summary]] = {}
    for s in summaries:
        values = dict(s.combination.values)
        groups.setdefault(tuple((a.path, values[a.path]) for a in other), []).append(s)
    out = []
    for group in itertools.product(*(a.values for a in other)):
        key = tuple(zip([a.path for a in other], group, strict=True))
        members = groups.get(key, [])

        def position(s: Summary) -> tuple[int, ...]:
            values = dict(s.combination.values)
            return tuple(_index(a, values[a.path]) for a in main)

        survivors = [s for s in members if s.survives]
        front = [s for s in survivors
                 if not any(t is not s and all(a <= b for a, b in zip(position(t), position(s), strict=True))
                            for t in survivors)]
        front.sort(key=position)
        best = min(front, key=lambda s: (sum(position(s)), position(s)), default=None)
        smaller = None
        if best is not None and main:
            pos = position(best)
            for axis_i in range(len(main)):
                if pos[axis_i] > 0:
                    wanted = tuple(p - (1 if k == axis_i else 0) for k, p in enumerate(pos))
                    smaller = next((s for s in members if position(s) == wanted), None)
                    break
        out.append(Recommendation(key, front, best, smaller))
    return out
