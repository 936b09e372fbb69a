"""PNG plots of time series in stacked panels, with the BMS state shown as coloured bands.

`plot_panels` is the reusable core (the simulator calls it with its own series); `plot_records`
turns logged telemetry records into the standard voltage / current / temperature / energy view.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: plotting must work on headless loggers and in CI

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

# Stable colours per state so plots from different runs compare at a glance.
STATE_COLOURS = {
    "BMS_STATE_IDLE": "#d9d9d9",
    "BMS_STATE_CHARGING": "#b7e1a1",
    "BMS_STATE_DISCHARGING": "#a6cee3",
    "BMS_STATE_UVLO": "#fdbf6f",
    "BMS_STATE_OVLO": "#fb9a99",
    "BMS_STATE_OCLO": "#cab2d6",
}
_EXTRA_COLOURS = ["#ffff99", "#8dd3c7", "#bebada", "#80b1d3", "#fccde5", "#ccebc5"]


@dataclass
class Panel:
    """One stacked axis: a y label and named series sharing it (each as long as the time axis)."""

    ylabel: str
    series: Mapping[str, Sequence[float]] = field(default_factory=dict)


def state_runs(times: Sequence[float], states: Sequence[str]) -> list[tuple[float, float, str]]:
    """Contiguous (start, end, state) runs; each sample's state lasts until the next sample."""
    runs: list[tuple[float, float, str]] = []
    for i, state in enumerate(states):
        end = times[i + 1] if i + 1 < len(times) else times[i]
        if runs and runs[-1][2] == state:
            runs[-1] = (runs[-1][0], end, state)
        else:
            runs.append((times[i], end, state))
    return runs


def _state_colour(state: str, extra: dict[str, str]) -> str:
    if state in STATE_COLOURS:
        return STATE_COLOURS[state]
    if state not in extra:
        extra[state] = _EXTRA_COLOURS[len(extra) % len(_EXTRA_COLOURS)]
    return extra[state]


def plot_panels(
    path: str | os.PathLike[str],
    times: Sequence[float],
    panels: Sequence[Panel],
    states: Sequence[str] | None = None,
    title: str = "",
    xlabel: str = "time [h]",
) -> Path:
    """Write a PNG of `panels` stacked over a shared time axis; shade each panel by `states`.

    `times` and every series have one entry per sample (NaN marks a gap); `states`, if given, too.
    The file is written atomically. Returns the path written.
    """
    if not panels:
        raise ValueError("plot_panels needs at least one panel")
    n = len(times)
    for panel in panels:
        for name, values in panel.series.items():
            if len(values) != n:
                raise ValueError(f"series {name!r} has {len(values)} samples, time axis has {n}")
    if states is not None and len(states) != n:
        raise ValueError(f"states has {len(states)} samples, time axis has {n}")

    fig, axes = plt.subplots(len(panels), 1, sharex=True, figsize=(11, 2.3 * len(panels) + 0.8),
                             squeeze=False)
    extra_colours: dict[str, str] = {}
    runs = state_runs(times, states) if states else []
    for ax, panel in zip(axes[:, 0], panels, strict=True):
        for start, end, state in runs:
            ax.axvspan(start, end, color=_state_colour(state, extra_colours), alpha=0.5, lw=0)
        for name, values in panel.series.items():
            ax.plot(times, values, label=name, lw=1.2)
        ax.set_ylabel(panel.ylabel)
        ax.grid(True, alpha=0.3)
        if panel.series:
            ax.legend(loc="upper right", fontsize="small")
    axes[-1, 0].set_xlabel(xlabel)
    if runs:
        seen = list(dict.fromkeys(state for _, _, state in runs))
        handles = [Patch(color=_state_colour(s, extra_colours), alpha=0.5,
                         label=s.removeprefix("BMS_STATE_")) for s in seen]
        fig.legend(handles=handles, loc="upper center", ncol=min(len(handles), 6), fontsize="small",
                   bbox_to_anchor=(0.5, 0.995 if not title else 0.96))
    if title:
        fig.suptitle(title)
    fig.tight_layout(rect=(0, 0, 1, 0.94 if (runs or title) else 1))

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".png")
    try:
        with os.fdopen(fd, "wb") as handle:
            fig.savefig(handle, format="png", dpi=100)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        plt.close(fig)
    return target


def plot_records(records: Sequence[object], path: str | os.PathLike[str], title: str = "") -> Path:
    """The standard view of logged telemetry (ltobms.telemetry.Record objects, in time order)."""
    if not records:
        raise ValueError("no records to plot")
    t0 = records[0].time_ns  # type: ignore[attr-defined]
    times = [(r.time_ns - t0) / 3.6e12 for r in records]  # type: ignore[attr-defined]

    def column(name: str, scale: float = 1.0, offset: float = 0.0) -> list[float]:
        out = []
        for r in records:
            value = r.fields.get(name)  # type: ignore[attr-defined]
            out.append(float("nan") if not isinstance(value, int | float) else value * scale + offset)
        return out

    panels = [
        Panel("voltage [V]", {"v_batt": column("v_batt", 1e-3), "v_load": column("v_load", 1e-3)}),
        Panel("current [mA]", {"current": column("current")}),
        Panel("temperature [°C]", {"temp": column("temp", 1.0, -273.15)}),
        Panel("energy [mWh] / charge [mAh]",
              {"E_dis": column("E_dis"), "E_chg": column("E_chg"), "charge": column("charge")}),
        Panel("PGA gain", {"gain": column("gain")}),
    ]
    states = [str(r.fields.get("state", "")) for r in records]  # type: ignore[attr-defined]
    if not title:
        first = records[0]
        title = f"{first.measurement} id={first.tags.get('id', '?')}"  # type: ignore[attr-defined]
    return plot_panels(path, times, panels, states, title=title)
