"""What a plan leaves for the user: the table in the terminal, plan.csv and plan.json, and two PNG
plots — the survival heatmap over the two main axes, and the state-of-charge traces of the worst
sample of the recommended and the next smaller combination."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

from ltobms.atomicfile import write_atomic
from ltobms.plan.results import Recommendation, Summary
from ltobms.plan.runner import Sweep

CSV_FIGURES = ("samples", "samples_done", "survival_share", "outage_hours_max", "longest_outage_h",
               "hours_cut_max", "hours_cut_mean", "days_with_cut_max", "soc_min", "energy_margin_min",
               "lockouts", "uvlo_lockouts")
MAX_PLOTTED_GROUPS = 6


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _marks(recs: list[Recommendation]) -> dict[int, str]:
    marks: dict[int, str] = {}
    for rec in recs:
        for s in rec.smallest:
            marks[s.combination.index] = "smallest"
        if rec.next_smaller is not None:
            marks[rec.next_smaller.combination.index] = "next smaller"
        if rec.recommended is not None:
            marks[rec.recommended.combination.index] = "recommended"
    return marks


def table(sweep: Sweep, summaries: list[Summary], recs: list[Recommendation]) -> Any:
    """A rich Table of every combination."""
    from rich.table import Table

    plan = sweep.plan
    marks = _marks(recs)
    t = Table(title=f"{plan.name}: {plan.days:g} days from {plan.start:%Y-%m-%d}, "
                    f"{plan.weather.samples} weather sample{'s' if plan.weather.samples != 1 else ''}",
              title_justify="left")
    for axis in plan.axes:
        t.add_column(axis.label, justify="right")
    for name, justify in (("no outage", "right"), ("outage h", "right"), ("longest h", "right"),
                          ("cut h", "right"), ("cut days", "right"), ("min SOC", "right"),
                          ("margin", "right"), ("lockouts", "right"), ("", "left")):
        t.add_column(name, justify=justify)
    symbol = {"recommended": "[bold green]★ recommended[/]", "smallest": "[green]smallest[/]",
              "next smaller": "[yellow]next smaller[/]"}
    for s in summaries:
        f = s.figures()
        values = dict(s.combination.values)
        row = [_fmt(values[a.path]) for a in plan.axes]
        if not f["samples_done"]:
            row += ["not run"] + [""] * 8
        else:
            share = f"{round(f['survival_share'] * f['samples_done'])}/{f['samples_done']}"
            if f["samples_done"] < f["samples"]:
                share += f" of {f['samples']}"
            style = "green" if s.survives else "red" if f["survival_share"] < 1 else "yellow"
            row += [f"[{style}]{share}[/]", f"{f['outage_hours_max']:.1f}", f"{f['longest_outage_h']:.1f}",
                    f"{f['hours_cut_max']:.1f}", str(f["days_with_cut_max"]),
                    f"{f['soc_min'] * 100:.0f} %",
                    f"{f['energy_margin_min'] * 100:+.0f} %", str(f["lockouts"]),
                    symbol.get(marks.get(s.combination.index, ""), "")]
        t.add_row(*row)
    return t


def recommendation_lines(recs: list[Recommendation], missing: int = 0) -> list[str]:
    lines = []
    for rec in recs:
        prefix = f"{rec.label()}: " if rec.group else ""
        if rec.recommended is None:
            if missing:
                lines.append(f"{prefix}no combination is known to survive every sample yet "
                             f"({missing} runs missing)")
            else:
                lines.append(f"{prefix}no combination survives every sample; "
                             "go larger on the pack or the panel")
            continue
        names = "; ".join(s.combination.label() for s in rec.smallest)
        lines.append(f"{prefix}smallest surviving: {names}")
        nxt = rec.next_smaller
        lines.append(f"{prefix}recommended: {rec.recommended.combination.label()}"
                     + (f" (next smaller, {nxt.combination.label()}, does not survive every sample)"
                        if nxt is not None else ""))
    return lines


def write_csv(path: Path, sweep: Sweep, summaries: list[Summary], recs: list[Recommendation]) -> Path:
    marks = _marks(recs)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([a.path for a in sweep.plan.axes] + list(CSV_FIGURES) + ["survives", "mark"])
    for s in summaries:
        f = s.figures()
        values = dict(s.combination.values)
        w.writerow([values[a.path] for a in sweep.plan.axes]
                   + ["" if isinstance(f.get(k), float) and math.isnan(f[k]) else f.get(k, "")
                      for k in CSV_FIGURES]
                   + [int(s.survives), marks.get(s.combination.index, "")])
    return write_atomic(path, buf.getvalue())


def _without_trace(run: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if run is None else {k: v for k, v in run.items() if k != "soc_trace"}


def _values(s: Summary | None) -> dict[str, Any] | None:
    return None if s is None else dict(s.combination.values)


def as_json(sweep: Sweep, summaries: list[Summary], recs: list[Recommendation]) -> dict[str, Any]:
    plan = sweep.plan
    return {
        "plan": {"name": plan.name, "file": str(plan.source), "chemistry": plan.chemistry,
                 "board": plan.board,
                 "start": plan.start.isoformat(), "days": plan.days,
                 "axes": {a.path: list(a.values) for a in plan.axes},
                 "weather_samples": [spec.sample_label for spec in sweep.specs[:plan.weather.samples]]},
        "sweep": {"runs": len(set(sweep.keys)), "from_cache": sweep.cached, "ran": sweep.ran,
                  "missing": sweep.missing, "interrupted": sweep.interrupted, "backend": sweep.backend,
                  "wall_s": sweep.wall_s},
        "combinations": [{"values": dict(s.combination.values), "survives": s.survives, **s.figures(),
                          "runs": [_without_trace(r) for r in s.runs]} for s in summaries],
        "recommendations": [{"group": dict(r.group),
                             "smallest": [dict(s.combination.values) for s in r.smallest],
                             "recommended": _values(r.recommended), "next_smaller": _values(r.next_smaller)}
                            for r in recs],
    }


def write_json(path: Path, sweep: Sweep, summaries: list[Summary], recs: list[Recommendation]) -> Path:
    return write_atomic(path, json.dumps(as_json(sweep, summaries, recs), indent=2, default=str) + "\n")


def heatmap(path: Path, sweep: Sweep, summaries: list[Summary], recs: list[Recommendation]) -> Path:
    """Share of weather samples without an outage over the two main axes, one panel per setting of
    the other axes; the recommended cell is framed."""
    import matplotlib.pyplot as plt
    import numpy as np

    import ltobms.plotting  # noqa: F401 - selects the headless backend

    axes = sweep.plan.axes
    x_axis = axes[1] if len(axes) > 1 else None
    y_axis = axes[0] if axes else None
    groups = recs[:MAX_PLOTTED_GROUPS]
    width = max(4.5, 1.1 * len(x_axis.values) + 2.5) if x_axis else 4.5
    fig, panels = plt.subplots(1, len(groups), figsize=(width * len(groups), 4.2), squeeze=False)
    by_index = {s.combination.index: s for s in summaries}
    image = None
    for ax, rec in zip(panels[0], groups, strict=False):
        ny = len(y_axis.values) if y_axis else 1
        nx = len(x_axis.values) if x_axis else 1
        grid = np.full((ny, nx), np.nan)
        for s in by_index.values():
            values = dict(s.combination.values)
            if any(values[p] != v for p, v in rec.group):
                continue
            iy = y_axis.values.index(values[y_axis.path]) if y_axis else 0
            ix = x_axis.values.index(values[x_axis.path]) if x_axis else 0
            f = s.figures()
            grid[iy, ix] = f["survival_share"]
            text = "–" if not f["samples_done"] else f"{f['survival_share'] * 100:.0f} %"
            if f["samples_done"] and f["outage_hours_max"] > 0:
                text += f"\n{f['outage_hours_max']:.0f} h out"
            ax.text(ix, iy, text, ha="center", va="center", fontsize=8)
            if rec.recommended is s:
                ax.add_patch(plt.Rectangle((ix - 0.5, iy - 0.5), 1, 1, fill=False, lw=2.5, ec="black"))
        image = ax.imshow(grid, origin="lower", cmap="RdYlGn", vmin=0.0, vmax=1.0, aspect="auto")
        ax.set_xticks(range(nx), [_fmt(v) for v in x_axis.values] if x_axis else [""])
        ax.set_yticks(range(ny), [_fmt(v) for v in y_axis.values] if y_axis else [""])
        ax.set_xlabel(x_axis.label if x_axis else "")
        ax.set_ylabel(y_axis.label if y_axis else "")
        ax.set_title(rec.label() or "survival", fontsize=9)
    if image is not None:
        fig.colorbar(image, ax=list(panels[0]), label="share of weather samples without an outage")
    fig.suptitle(f"{sweep.plan.name}: does the node stay up? ({sweep.plan.days:g} days from "
                 f"{sweep.plan.start:%Y-%m-%d})", fontsize=10)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def soc_plot(path: Path, sweep: Sweep, summaries: list[Summary], recs: list[Recommendation]) -> Path:
    """State of charge of the worst sample: the recommended combination and the next smaller one."""
    import matplotlib.pyplot as plt

    import ltobms.plotting  # noqa: F401 - selects the headless backend

    groups = recs[:MAX_PLOTTED_GROUPS]
    fig, panels = plt.subplots(len(groups), 1, figsize=(9, 2.8 * len(groups) + 0.6), squeeze=False)
    labels = [spec.sample_label for spec in sweep.specs[:sweep.plan.weather.samples]]
    in_days = sweep.plan.days >= 2
    for ax, rec in zip(panels[:, 0], groups, strict=False):
        shown = [(rec.recommended, "recommended", "tab:green"), (rec.next_smaller, "next smaller", "tab:red")]
        if rec.recommended is None:  # nothing survives: the best there is
            def merit(s: Summary) -> tuple[float, float]:
                f = s.figures()
                return (f["survival_share"], -f["outage_hours_max"]) if s.done else (-1.0, 0.0)

            best = max(summaries, key=merit)
            shown = [(best, "best (does not survive)", "tab:orange")]
        for s, what, colour in shown:
            if s is None:
                continue
            worst = s.worst()
            if worst is None:
                continue
            run = s.runs[worst]
            assert run is not None
            trace = run.get("soc_trace", [])
            scale = 24.0 if in_days else 1.0
            ax.plot([h / scale for h, _ in trace], [soc * 100 for _, soc in trace], color=colour,
                    label=f"{what}: {s.combination.label()} ({labels[worst]})")
        ax.set_ylim(0, 100)
        ax.set_ylabel("state of charge [%]")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower left")
        if rec.group:
            ax.set_title(rec.label(), fontsize=9)
    panels[-1, 0].set_xlabel(f"{'days' if in_days else 'hours'} from {sweep.plan.start:%Y-%m-%d %H:%M}")
    fig.suptitle(f"{sweep.plan.name}: worst weather sample", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_outputs(out: Path, sweep: Sweep, summaries: list[Summary],
                  recs: list[Recommendation]) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    return {"csv": write_csv(out / "plan.csv", sweep, summaries, recs),
            "json": write_json(out / "plan.json", sweep, summaries, recs),
            "heatmap": heatmap(out / "survival.png", sweep, summaries, recs),
            "soc": soc_plot(out / "soc_worst.png", sweep, summaries, recs)}
