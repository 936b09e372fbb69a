"""What a simulation leaves for the user: the raw UART log, the CSV of ground truth beside what the BMS
reported, the events, a PNG plot, a summary (text and JSON) and the SQLite store of the log records."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from collections import Counter
from pathlib import Path
from typing import Any

from ltobms import plotting, telemetry
from ltobms.atomicfile import write_atomic
from ltobms.device import ina260
from ltobms.sim.run import SimResult
from ltobms.sinks.sqlite import STORE_FILENAME, SqliteSink

# The CSV's columns, in order, with what each one means (README "Simulation" lists them too).
TRUTH_COLUMNS = {
    "time_s": "simulated seconds since the start",
    "datetime": "local solar time at the site",
    "soc": "true state of charge of the pack (0..1)",
    "ocv_v": "true open-circuit voltage of the pack",
    "cell_v": "true cell terminal voltage",
    "load_v": "true load-terminal voltage",
    "current_ma": "true current through the switch, + = discharge (INA260 sign)",
    "cell_current_ma": "true current into the cell, + = charging",
    "charger_ma": "true charger output current",
    "load_ma": "true load current",
    "switch_closed": "1 when the MOSFET switch conducts",
    "ptc_tripped": "1 when the PTC fuse F1 has tripped",
    "ambient_c": "ambient temperature",
    "die_c": "MCU die temperature",
    "measured_cell_v": "true cell voltage at the instant the firmware last sampled it",
    "measured_current_ma": "true switch current averaged over the firmware's last current measurement",
}
REPORTED_COLUMNS = {
    "ina_current_ma": "INA260 register 01h x 1.25 mA, read over I2C",
    "ina_bus_mv": "INA260 register 02h x 1.25 mV",
    "ina_power_mw": "INA260 register 03h x 10 mW",
    "log_state": "state field of the latest log line",
    "log_v_batt": "v_batt of the latest log line (mV)",
    "log_v_load": "v_load of the latest log line (mV)",
    "log_current": "current of the latest log line (mA, + = discharge)",
    "log_charge": "charge of the latest log line (mAh)",
    "log_E_dis": "E_dis of the latest log line (mWh)",
    "log_E_chg": "E_chg of the latest log line (mWh)",
    "log_temp_c": "temp of the latest log line, in deg C",
}
CSV_COLUMNS = [*TRUTH_COLUMNS, *REPORTED_COLUMNS]
INA226_DIE_ID = 0x2260
LOG_FIELDS = ("v_batt", "v_load", "current", "charge", "E_dis", "E_chg")


class RecordStore:
    """The log records into the project's default embedded store, in small batches."""

    def __init__(self, directory: Path, batch: int = 60) -> None:
        self.sink = SqliteSink(directory / STORE_FILENAME)
        self.path = directory / STORE_FILENAME
        self.batch = batch
        self.pending: list[telemetry.Record] = []

    def add(self, record: telemetry.Record) -> None:
        self.pending.append(record)
        if len(self.pending) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.sink.write(self.pending)
            self.pending = []


def _fmt(value: Any) -> Any:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.6g}"
    return value


def csv_rows(result: SimResult) -> list[dict[str, Any]]:
    start = result.scenario.start
    rows = []
    for s in result.samples:
        log = s.log
        temp_k = log.get("temp")
        row: dict[str, Any] = {"time_s": round(s.t, 3),
                               "datetime": (start + dt.timedelta(seconds=s.t)).isoformat(timespec="seconds"),
                               **s.truth,
                               "ina_current_ma": s.ina["current_ma"], "ina_bus_mv": s.ina["bus_mv"],
                               "ina_power_mw": s.ina["power_mw"], "log_state": log.get("state", "")}
        for name in LOG_FIELDS:
            row[f"log_{name}"] = log.get(name, "")
        row["log_temp_c"] = round(temp_k - 273.15, 2) if isinstance(temp_k, int) else ""
        rows.append(row)
    return rows


def _error_stats(pairs: list[tuple[float, float]]) -> dict[str, float]:
    diffs = [a - b for a, b in pairs if not (math.isnan(a) or math.isnan(b))]
    if not diffs:
        return {"n": 0}
    return {"n": len(diffs), "mean": sum(diffs) / len(diffs), "max_abs": max(abs(d) for d in diffs),
            "rms": math.sqrt(sum(d * d for d in diffs) / len(diffs))}


def _meshtastic_sees_ina260(identity: tuple[int, int] | None) -> bool:
    """Meshtastic's rule (design §4.1): manufacturer 5449h and a die ID other than the INA226's 2260h."""
    return identity is not None and identity[0] == ina260.MANUFACTURER_ID and identity[1] != INA226_DIE_ID


def summarize(result: SimResult) -> dict[str, Any]:
    tot = result.totals
    poll = result.scenario.host.get("poll_s", 60)
    per_state = Counter(result.states())
    trips = Counter(e.detail for e in result.events if e.kind == "state" and e.detail.endswith(("LO",)))
    lo, hi = result.safe_window
    voltage_pairs = [(s.ina["bus_mv"], s.truth["measured_cell_v"] * 1000.0) for s in result.samples]
    current_pairs = [(s.ina["current_ma"], s.truth["measured_current_ma"]) for s in result.samples]
    return {
        "scenario": result.scenario.name,
        "seed": result.seed,
        "simulated_days": result.duration_s / 86400.0,
        "wall_s": result.wall_s,
        "speed_x_realtime": result.duration_s / result.wall_s if result.wall_s > 0 else math.inf,
        "avr_instructions": result.instructions,
        "energy_wh": {"charger_out": tot.charger_j / 3600.0, "load_in": tot.load_j / 3600.0,
                      "cell_in": tot.cell_in_j / 3600.0, "cell_out": tot.cell_out_j / 3600.0},
        "charge_mah": {"cell_net": tot.cell_c / 3.6, "switch_discharge_net": tot.switch_c / 3.6,
                       "board_own": tot.board_c / 3.6},
        "board_own_ua_average": tot.board_c / result.duration_s * 1e6 if result.duration_s else 0.0,
        "soc": {"start": result.pack_soc[0], "end": result.pack_soc[1]},
        "hours_per_state": {k or "(no log yet)": v * poll / 3600.0 for k, v in sorted(per_state.items())},
        "switch_closed_fraction": tot.closed_s / result.duration_s if result.duration_s else 0.0,
        "cell_v": {"min": tot.v_min, "max": tot.v_max, "safe_window": [lo, hi],
                   "inside_safe_window": lo <= tot.v_min and tot.v_max <= hi},
        "lockouts": dict(trips),
        "ptc_trips": sum(1 for e in result.events if e.kind == "ptc_trip"),
        "measurement_error": {"bus_voltage_mv": _error_stats(voltage_pairs),
                              "current_ma": _error_stats(current_pairs)},
        "log_lines": len(result.records),
        "log_lines_rejected": len(result.rejected_lines),
        "ina260_detected": _meshtastic_sees_ina260(result.ina_identity),
    }


def _duration(hours: float) -> str:
    if hours >= 1.0:
        return f"{hours:.1f} h"
    if hours >= 1.0 / 60.0:
        return f"{hours * 60.0:.0f} min"
    return f"{hours * 3600.0:.0f} s"


def summary_text(summary: dict[str, Any]) -> str:
    e, v, err = summary["energy_wh"], summary["cell_v"], summary["measurement_error"]
    lines = [
        f"scenario {summary['scenario']} (seed {summary['seed']}): "
        f"{summary['simulated_days']:.2f} simulated days in {summary['wall_s']:.0f} s "
        f"({summary['speed_x_realtime']:.0f}x real time)",
        f"energy: charger {e['charger_out']:.2f} Wh out, load {e['load_in']:.2f} Wh in; "
        f"cell {e['cell_in']:.2f} Wh in, {e['cell_out']:.2f} Wh out",
        f"state of charge: {summary['soc']['start'] * 100:.1f} % -> {summary['soc']['end'] * 100:.1f} %; "
        f"the BMS board itself drew {summary['board_own_ua_average']:.1f} uA on average "
        f"({summary['charge_mah']['board_own']:.2f} mAh)",
        "time per state (log): " + ", ".join(f"{k.removeprefix('BMS_STATE_')} {_duration(h)}"
                                       for k, h in summary["hours_per_state"].items()),
        f"cell voltage: min {v['min']:.3f} V, max {v['max']:.3f} V "
        f"({'inside' if v['inside_safe_window'] else 'OUTSIDE'} the safe window "
        f"{v['safe_window'][0]}-{v['safe_window'][1]} V)",
        "lockouts entered (log): " + (", ".join(f"{k.removeprefix('BMS_STATE_')} x{n}"
                                          for k, n in summary["lockouts"].items()) or "none")
        + f"; PTC trips: {summary['ptc_trips']}",
    ]
    for name, unit in (("bus_voltage_mv", "mV"), ("current_ma", "mA")):
        s = err[name]
        if s.get("n"):
            lines.append(f"INA260 {name.rsplit('_', 1)[0].replace('_', ' ')} error vs truth at measurement: "
                         f"mean {s['mean']:+.2f} {unit}, rms {s['rms']:.2f} {unit}, "
                         f"max {s['max_abs']:.2f} {unit} ({s['n']} polls)")
    lines.append(f"log lines: {summary['log_lines']} valid, {summary['log_lines_rejected']} rejected; "
                 f"INA260 detected by the host: {'yes' if summary['ina260_detected'] else 'NO'}")
    return "\n".join(lines)


def plot(result: SimResult, path: Path) -> Path:
    hours = [s.t / 3600.0 for s in result.samples]
    nan = math.nan

    def truth(key: str, scale: float = 1.0) -> list[float]:
        return [s.truth[key] * scale for s in result.samples]

    def logged(key: str, scale: float = 1.0, offset: float = 0.0) -> list[float]:
        return [s.log[key] * scale + offset if isinstance(s.log.get(key), int) else nan
                for s in result.samples]

    panels = [
        plotting.Panel("cell [V]", {"true": truth("cell_v"),
                                    "INA260 bus": [s.ina["bus_mv"] / 1000.0 for s in result.samples]}),
        plotting.Panel("current [mA]\n+ = discharge",
                       {"true": truth("current_ma"),
                        "INA260": [s.ina["current_ma"] for s in result.samples]}),
        plotting.Panel("state of charge [%]", {"true": truth("soc", 100.0)}),
        plotting.Panel("temperature [°C]", {"ambient": truth("ambient_c"),
                                            "BMS log": logged("temp", 1.0, -273.15)}),
    ]
    days = result.duration_s / 86400.0
    span = f"{days:.3g} day{'' if days == 1 else 's'} simulated"
    title = f"{result.scenario.name} ({span}): {result.scenario.description}".rstrip(": ")
    return plotting.plot_panels(path, hours, panels, states=result.states(), title=title, xlabel="time [h]")


def write_outputs(result: SimResult, out_dir: Path, summary: dict[str, Any] | None = None) -> dict[str, Path]:
    """Write every file of a run into `out_dir`; returns name → path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {"uart_log": out_dir / "uart.log", "csv": out_dir / "truth_vs_reported.csv",
             "events": out_dir / "events.csv", "plot": out_dir / "plot.png",
             "summary": out_dir / "summary.txt", "summary_json": out_dir / "summary.json"}
    write_atomic(files["uart_log"], "".join(line + "\n" for _, line in result.log_lines))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in csv_rows(result):
        writer.writerow({k: _fmt(v) for k, v in row.items()})
    write_atomic(files["csv"], buf.getvalue())
    start = result.scenario.start
    buf = io.StringIO()
    events = csv.writer(buf, lineterminator="\n")
    events.writerow(["time_s", "datetime", "kind", "detail"])
    for e in result.events:
        events.writerow([f"{e.t:.3f}", (start + dt.timedelta(seconds=e.t)).isoformat(timespec="seconds"),
                         e.kind, e.detail])
    write_atomic(files["events"], buf.getvalue())
    plot(result, files["plot"])
    summary = summarize(result) if summary is None else summary
    write_atomic(files["summary"], summary_text(summary) + "\n")
    write_atomic(files["summary_json"], json.dumps(summary, indent=2, default=float) + "\n")
    result.files.update(files)
    return files
