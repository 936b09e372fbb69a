"""`ltobms simulate` end to end: the files a user gets, their columns, the plot, the store, the errors."""

from __future__ import annotations

import csv
import re
import sqlite3
from pathlib import Path

import matplotlib.image
import pytest

from ltobms.cli import main
from ltobms.sim.report import CSV_COLUMNS
from ltobms.sinks.sqlite import STORE_FILENAME

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim") / "out"
    # 2.5 simulated minutes from power-up: log lines at uptime 0, 60 and 120 s; polls at 62.5 and 122.5 s.
    assert main(["simulate", "solar-week", "--days", str(150 / 86400), "--out", str(out), "--quiet",
                 "--vcd", str(out.parent / "pins.vcd")]) == 0
    return out


def test_writes_every_output(run_dir: Path) -> None:
    names = {p.name for p in run_dir.iterdir()}
    assert {"uart.log", "truth_vs_reported.csv", "events.csv", "plot.png", "summary.txt", "summary.json",
            STORE_FILENAME} <= names
    lines = (run_dir / "uart.log").read_text().splitlines()
    assert len(lines) == 3 and all(line.startswith("lto-bms,id=") for line in lines)


def test_vcd_shows_the_switch_closing_after_the_first_measurement(run_dir: Path) -> None:
    text = (run_dir.parent / "pins.vcd").read_text()
    ident = next(line.split()[3] for line in text.splitlines() if line.endswith(" PA4 $end"))
    body = text.split("$end\n", 1)[1].split("$dumpvars", 1)[1]
    first_high = body.index(f"\n1{ident}\n")
    stamp = int(body[:first_high].rsplit("#", 1)[1].split()[0])
    assert 0 < stamp < 100_000_000  # rev C: CUTOFF driven high within 0.1 s of power-up


def test_csv_has_the_documented_columns_in_the_readme(run_dir: Path) -> None:
    with (run_dir / "truth_vs_reported.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == CSV_COLUMNS
    assert len(rows) == 2
    assert abs(float(rows[-1]["ina_bus_mv"]) - 1000 * float(rows[-1]["cell_v"])) < 10
    readme = (ROOT / "README.md").read_text()
    missing = [c for c in CSV_COLUMNS if f"`{c}`" not in readme]
    assert not missing, f"README's Simulation section does not list {missing}"


def test_plot_is_a_png_with_four_panels(run_dir: Path) -> None:
    path = run_dir / "plot.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = matplotlib.image.imread(path)
    # ltobms.plotting sizes the figure 2.3 in per panel + 0.8 in at 100 dpi
    assert image.shape[0] == round((2.3 * 4 + 0.8) * 100)


def test_log_lines_went_through_the_pipeline_into_the_store(run_dir: Path) -> None:
    with sqlite3.connect(run_dir / STORE_FILENAME) as db:
        tables = [r[0] for r in db.execute("select name from sqlite_master where type='table'")]
        counts = [db.execute(f"select count(*) from {t}").fetchone()[0] for t in tables]
    assert 3 in counts


def test_the_store_plots_with_ltobms_plot(run_dir: Path, tmp_path: Path) -> None:
    assert main(["plot", str(run_dir / STORE_FILENAME), "-o", str(tmp_path)]) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["lto-bms-0000.png"]


def test_summary_names_energy_states_and_errors(run_dir: Path) -> None:
    text = (run_dir / "summary.txt").read_text()
    for part in ("energy:", "time per state (log):", "cell voltage: min", "INA260 bus voltage error",
                 "lockouts"):
        assert part in text
    assert re.search(r"INA260 detected by the host: yes", text)


@pytest.mark.parametrize(("argv", "message"), [
    (["simulate", "no-such-scenario"], "unknown scenario 'no-such-scenario'"),
    (["simulate", "solar-week", "--days", "0"], "--days 0.0: must be in (0, 366]"),
    (["simulate", "missing.toml"], "missing.toml does not exist"),
])
def test_user_mistakes_are_one_line(argv: list[str], message: str,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_a_scenario_file_with_an_unknown_key_names_it(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('name = "mine"\n[load]\ntype = "current"\namps = 0.01\nvolts = 3\n')
    assert main(["simulate", str(path)]) == 2
    assert "[load]: unknown key 'volts'" in capsys.readouterr().err


def test_the_readme_python_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    readme = (ROOT / "README.md").read_text()
    example = readme.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(example, "README.md", "exec"), {})  # noqa: S102 - the README's own example
    assert "scenario winter-deficit" in capsys.readouterr().out


def test_ctrl_c_keeps_what_was_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    import ltobms.commands.simulate as command
    import ltobms.sim.run as sim_run

    def interrupt(t: float, duration: float, wall: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(sim_run, "PROGRESS_EVERY_S", 180.0)
    monkeypatch.setattr(command, "Progress", lambda: interrupt)
    out = tmp_path / "out"
    assert main(["simulate", "overload", "--out", str(out)]) == 130
    assert "interrupted after 0.00 of 0.05 days" in capsys.readouterr().out
    with (out / "truth_vs_reported.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 18  # polls every 10 s from 12.5 s; the interruption comes after the one at 182.5 s
    assert len((out / "uart.log").read_text().splitlines()) == 4  # uptime 0, 60, 120, 180


def test_a_user_scenario_with_measured_irradiance(tmp_path: Path) -> None:
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "irradiance.csv").write_text("seconds,w_m2\n0,0\n60,0\n61,800\n3600,800\n")
    (folder / "roof.toml").write_text(
        'name = "roof"\ndays = 0.003\nstart = 2026-12-21T02:00:00\n'  # a night in winter: only the CSV's sun
        '[pack]\nchemistry = "LTO"\nsoc = 0.5\n'
        '[sky]\nlatitude_deg = 50.0\ncsv = "irradiance.csv"\n'
        '[panel]\np_mpp_w = 1.0\n'
        '[charger]\ntype = "solar"\nv_cv = 2.75\n'
        '[load]\ntype = "current"\namps = 0.01\n'
        '[host]\npoll_s = 20\n')
    out = tmp_path / "out"
    assert main(["simulate", str(folder / "roof.toml"), "--out", str(out), "--quiet"]) == 0
    with (out / "truth_vs_reported.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    before = [r for r in rows if float(r["time_s"]) < 60]
    after = [r for r in rows if float(r["time_s"]) > 62]
    assert before and all(float(r["charger_ma"]) == 0 for r in before)
    # 800 W/m² on a 1 W panel through the MPPT: some 250 mA into the 2.4 V pack
    assert after and all(float(r["charger_ma"]) > 150 for r in after)
    assert all(float(r["ina_current_ma"]) < -100 for r in after)  # the BMS sees it charging
