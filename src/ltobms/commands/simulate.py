"""`ltobms simulate SCENARIO`: the real firmware on the emulated ATtiny824 inside a modelled node."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ltobms.errors import UserError

NAME = "simulate"
HELP = "run the firmware against a modelled pack, charger and load (no hardware needed)"


def register(parser: argparse.ArgumentParser) -> None:
    from ltobms.sim.scenario import builtin_names

    parser.add_argument("scenario", metavar="SCENARIO",
                        help=f"built-in ({', '.join(builtin_names())}) or a scenario .toml file")
    parser.add_argument("--firmware", metavar="ELF", help="firmware image (default: the project's build of "
                        "the scenario's chemistry and board, built if needed)")
    parser.add_argument("--days", type=float, help="simulated days (default: the scenario's)")
    parser.add_argument("--out", metavar="DIR", help="output directory (default ./sim-out/SCENARIO)")
    parser.add_argument("--seed", type=int, help="random seed (default: the scenario's)")
    parser.add_argument("--vcd", metavar="FILE", help="also record every MCU pin as a VCD waveform (GTKWave)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


class Progress:
    """One status line on stderr: simulated time, speed and the time left."""

    def __init__(self, stream=sys.stderr) -> None:  # noqa: ANN001 - a text stream
        self.stream = stream
        self.tty = stream.isatty()
        self.last_reported = -1

    def __call__(self, t: float, duration: float, wall: float) -> None:
        frac = min(t / duration, 1.0) if duration else 1.0
        speed = t / wall if wall > 0 else 0.0
        left = max(duration - t, 0.0) / speed if speed > 0 else 0.0
        bar = "#" * int(frac * 30)
        text = (f"[{bar:<30}] {t / 86400:6.2f}/{duration / 86400:.2f} days  {speed:6.0f}x real time  "
                f"{left / 60:5.1f} min left")
        if self.tty:
            self.stream.write("\r" + text + ("\n" if frac >= 1.0 else ""))
        else:
            step = int(frac * 10)  # a line per 10 % when not on a terminal (CI logs)
            if step == self.last_reported:
                return
            self.last_reported = step
            self.stream.write(text + "\n")
        self.stream.flush()


def run(args: argparse.Namespace) -> int:
    from ltobms.sim.firmware import firmware_image
    from ltobms.sim.report import RecordStore, summarize, summary_text, write_outputs
    from ltobms.sim.run import Simulation
    from ltobms.sim.scenario import Scenario

    scenario = Scenario.load(args.scenario)
    if args.days is not None:
        if not 0 < args.days <= 366:
            raise UserError(f"--days {args.days}: must be in (0, 366]")
        scenario = scenario.with_changes(days=args.days)
    out = Path(args.out) if args.out else Path("sim-out") / scenario.name
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: exists and is not a directory")
    elf = firmware_image(scenario.chemistry, scenario.board, args.firmware)
    out.mkdir(parents=True, exist_ok=True)
    store = RecordStore(out)
    sim = Simulation(scenario, elf, seed=args.seed, on_record=store.add)
    print(f"simulating {scenario.name} for {scenario.days:g} days on {elf.name} (seed {sim.seed}) -> {out}/",
          flush=True)
    vcd = sim.mcu.record_pins(args.vcd) if args.vcd else None
    try:
        result = sim.run(progress=None if args.quiet else Progress())
    finally:
        store.flush()  # what was logged before an interruption is kept
        if vcd is not None:
            vcd.close()
    if not result.samples:
        raise UserError("interrupted before the first I2C poll: nothing to report")
    summary = summarize(result)
    files = write_outputs(result, out, summary)
    if result.interrupted:
        print(f"interrupted after {result.duration_s / 86400:.2f} of {scenario.days:g} days; "
              "the outputs cover what was simulated", flush=True)
    print(summary_text(summary))
    print(f"log records stored in {store.path}")
    print(f"plot: {files['plot']}", flush=True)
    return 130 if result.interrupted else 0
