"""Sweep expansion: every combination of the swept values × every weather sample, each as a
self-contained run spec — the scenario dict a worker builds the run from, and its seed."""

from __future__ import annotations

import copy
import hashlib
import itertools
from dataclasses import dataclass
from typing import Any

from ltobms.plan.planfile import Plan, apply
from ltobms.plan.seasons import Sample, samples


@dataclass(frozen=True)
class Combination:
    index: int
    values: tuple[tuple[str, Any], ...]  # (axis path, value), in the plan's axis order

    def value(self, path: str) -> Any:
        return dict(self.values)[path]

    def label(self) -> str:
        from ltobms.plan.planfile import AXIS_LABELS

        return ", ".join(f"{AXIS_LABELS.get(p, p)}={v:g}" if isinstance(v, float) else
                         f"{AXIS_LABELS.get(p, p)}={v}" for p, v in self.values) or "(no sweep)"


@dataclass(frozen=True)
class RunSpec:
    combination: Combination
    sample: int
    sample_label: str
    seed: int
    scenario: dict[str, Any]  # for Scenario.from_dict; a weather file appears by name only
    weather_file: str | None  # the local path of the sample's weather file (sent to the worker)


def combinations(plan: Plan) -> list[Combination]:
    paths = [a.path for a in plan.axes]
    grid = itertools.product(*(a.values for a in plan.axes))
    return [Combination(i, tuple(zip(paths, values, strict=True))) for i, values in enumerate(grid)]


def sample_seed(plan: Plan, sample: int) -> int:
    """The seed of a sample's runs (the node's radio schedule, ADC noise, climate noise): the same for
    every combination, so combinations are compared under the same weather and the same traffic."""
    digest = hashlib.sha256(f"ltobms-plan-seed:{plan.seed}:{sample}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def scenario(plan: Plan, combination: Combination, sample: Sample) -> dict[str, Any]:
    sections = apply(plan.sections, dict(combination.values))
    for name, values in sample.sections.items():
        sections.setdefault(name, {}).update(copy.deepcopy(values))
    if "weather" in sections:
        sections["weather"]["file"] = sample.file.rsplit("/", 1)[-1] if sample.file else None
        if plan.weather.temperature:
            sections.pop("climate", None)
    sections["pack"]["chemistry"] = plan.chemistry
    sections["charger"]["type"] = "solar"
    sections["load"]["type"] = "meshtastic"
    data: dict[str, Any] = {
        "name": f"{plan.name}: {combination.label()}, {sample.label}",
        "days": plan.days, "seed": sample_seed(plan, sample.index), "start": plan.start,
        "board": plan.board, "host": {"poll_s": plan.poll_s}, **sections,
    }
    if plan.config:
        data["config"] = dict(plan.config)
    return data


def expand(plan: Plan) -> list[RunSpec]:
    """All runs, combination by combination, sample by sample."""
    specs = []
    weather_samples = samples(plan)
    for combo in combinations(plan):
        for sample in weather_samples:
            data = scenario(plan, combo, sample)
            specs.append(RunSpec(combo, sample.index, sample.label, data["seed"], data, sample.file))
    return specs
