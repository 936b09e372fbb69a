"""How long the CPU is awake per 1 s measurement period (emulator cycle counters, not wall clock)."""

from __future__ import annotations

import pytest
from fw_bench import Bench
from fw_board import BoardModel
from fw_images import ImageBuilder, Variant

pytestmark = pytest.mark.xdist_group("firmware")

CPU_HZ = 1_250_000
# Budget: 2 % duty cycle at 1.25 MHz. The work per second is a few conversions' set-up and the
# integer arithmetic; the CPU sleeps during the conversions themselves.
AWAKE_BUDGET_CYCLES = 25_000
# A period that also formats and sends the log line.
LOG_PERIOD_BUDGET_CYCLES = 60_000


@pytest.mark.parametrize("chemistry", ["LTO", "NAION"])
def test_awake_cycles_per_period_in_steady_state(images: ImageBuilder, chemistry: str) -> None:
    board = BoardModel(board="revC", cell_v=2.4 if chemistry == "LTO" else 3.3, load_a=0.05)
    bench = Bench(images.elf(Variant(chemistry, "revC")), board)
    bench.run_until(10.5)
    start = bench.mcu.awake_cycles
    bench.run_until(20.5)  # ten periods without a log line
    per_period = (bench.mcu.awake_cycles - start) / 10
    print(f"{chemistry}: {per_period:.0f} awake CPU cycles per 1 s period ({per_period / CPU_HZ:.2%} duty)")
    assert 0 < per_period < AWAKE_BUDGET_CYCLES


def test_log_line_goes_out_while_the_cpu_sleeps(images: ImageBuilder) -> None:
    """A 230-byte line at 9600 baud takes 0.24 s (300 000 cycles at 1.25 MHz): busy-waiting for it
    would cost all of them; interrupt-driven, each byte costs ~100 cycles (interrupt + back to IDLE)
    and formatting the line ~15 000."""
    board = BoardModel(board="revC", cell_v=2.4, load_a=0.05)
    bench = Bench(images.elf(Variant("LTO", "revC")), board)
    bench.run_until(59.5)
    start, lines_before = bench.mcu.awake_cycles, len(bench.lines())
    bench.run_until(60.5)  # the period with the uptime=60 line
    assert len(bench.lines()) == lines_before + 1
    awake = bench.mcu.awake_cycles - start
    print(f"period with a log line: {awake} awake CPU cycles")
    assert awake < LOG_PERIOD_BUDGET_CYCLES
