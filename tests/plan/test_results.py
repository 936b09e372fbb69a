"""The recommendation on hand-made outcomes: the Pareto front of survivors on the two main axes, the
recommended member, the next smaller combination, a third axis, nothing surviving, missing runs."""

from __future__ import annotations

import itertools

from ltobms.plan.planfile import Axis
from ltobms.plan.results import Summary, recommend
from ltobms.plan.sweep import Combination

CELLS = Axis("pack.cells_parallel", (1, 2, 3, 4))
WATTS = Axis("panel.watts", (0.5, 1.0, 2.0))
TX = Axis("node.tx_per_hour", (4, 8))


def run(survived: bool, outage_h: float = 0.0, soc_min: float = 0.5) -> dict:
    return {"survived": survived, "outage_hours": outage_h, "hours_cut": outage_h,
            "days_with_cut": int(outage_h > 0), "longest_outage_h": outage_h, "soc_min": soc_min,
            "energy_margin": 0.1,
            "lockouts": {"UVLO": int(not survived), "OVLO": 0, "OCLO": 0}}


def summaries(axes: tuple[Axis, ...], survives, samples: int = 2) -> list[Summary]:  # noqa: ANN001
    out = []
    for i, values in enumerate(itertools.product(*(a.values for a in axes))):
        combo = Combination(i, tuple(zip([a.path for a in axes], values, strict=True)))
        ok = survives(dict(combo.values))
        # Sample 0 decides; the other samples are kinder weather that every combination survives.
        runs = [run(ok, 0.0 if ok else 5.0)] + [run(True) for _ in range(samples - 1)]
        out.append(Summary(combo, runs))
    return out


def values(s: Summary | None) -> tuple | None:
    return None if s is None else tuple(v for _, v in s.combination.values)


def test_the_front_the_recommended_and_the_next_smaller() -> None:
    # Survives with enough storage × sun: cells · watts ≥ 2 (1 × 2 W, 2 × 1 W, 4 × 0.5 W ...).
    result = recommend((CELLS, WATTS), summaries((CELLS, WATTS), lambda v: v["pack.cells_parallel"]
                                                  * v["panel.watts"] >= 2))
    (rec,) = result
    assert [values(s) for s in rec.smallest] == [(1, 2.0), (2, 1.0), (4, 0.5)]
    assert values(rec.recommended) == (1, 2.0)  # fewest steps (2); ties go to the smaller pack
    assert values(rec.next_smaller) == (1, 1.0)  # one step down the panel axis: it fails
    assert not rec.next_smaller.survives


def test_the_next_smaller_steps_down_the_first_axis_first() -> None:
    (rec,) = recommend((CELLS, WATTS), summaries((CELLS, WATTS), lambda v: v["pack.cells_parallel"] >= 3))
    assert [values(s) for s in rec.smallest] == [(3, 0.5)]
    assert values(rec.recommended) == (3, 0.5) and values(rec.next_smaller) == (2, 0.5)


def test_a_third_axis_gets_its_own_recommendation() -> None:
    axes = (CELLS, WATTS, TX)
    recs = recommend(axes, summaries(axes, lambda v: v["pack.cells_parallel"] * v["panel.watts"]
                                     >= (2 if v["node.tx_per_hour"] == 4 else 4)))
    assert [r.group for r in recs] == [(("node.tx_per_hour", 4),), (("node.tx_per_hour", 8),)]
    assert values(recs[0].recommended) == (1, 2.0, 4)
    assert values(recs[1].recommended) == (2, 2.0, 8)
    assert recs[1].label() == "TX/h=8"


def test_nothing_survives_and_missing_runs_do_not_count() -> None:
    (rec,) = recommend((CELLS, WATTS), summaries((CELLS, WATTS), lambda v: False))
    assert rec.recommended is None and rec.smallest == [] and rec.next_smaller is None
    partial = summaries((CELLS, WATTS), lambda v: True)
    for s in partial:
        if values(s) == (1, 0.5):
            s.runs[1] = None  # not run yet: not known to survive
    (rec,) = recommend((CELLS, WATTS), partial)
    assert values(rec.recommended) in {(2, 0.5), (1, 1.0)} and values(rec.recommended) != (1, 0.5)
    figures = next(s for s in partial if values(s) == (1, 0.5)).figures()
    assert figures["samples_done"] == 1 and figures["samples"] == 2


def test_the_worst_sample_has_the_most_outage() -> None:
    s = summaries((CELLS,), lambda v: False, samples=3)[0]
    assert s.worst() == 0  # 5 h of outage in sample 0, none in the others
    figures = s.figures()
    assert figures["survival_share"] == 2 / 3 and figures["outage_hours_max"] == 5.0
