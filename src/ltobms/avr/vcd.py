"""A VCD (value change dump) of the MCU's pins, for a waveform viewer such as GTKWave.

Each pin is a 1-bit wire: `1`/`0` while driven as an output, `z` while an input (high-Z), `1` for an
input with its pull-up on (weakly high). Time stamps are in nanoseconds of simulated time.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # pragma: no cover
    from ltobms.avr.mcu import Mcu


class PinVcd:
    def __init__(self, mcu: Mcu, path: str | Path) -> None:
        self.path = Path(path)
        ports = [mcu.peripherals[name] for name in ("PORTA", "PORTB") if name in mcu.peripherals]
        pins = [port.pin_names[i] for port in ports for i in range(8) if port.mask >> i & 1]
        # VCD identifiers: printable characters from '!' on, one per pin.
        self.ids = {pin: chr(33 + i) for i, pin in enumerate(pins)}
        self.last: dict[str, str] = {}
        self.last_time = -1
        self.file: TextIO | None = self.path.open("w")
        self.file.write("$timescale 1 ns $end\n$scope module attiny824 $end\n")
        for pin, ident in self.ids.items():
            self.file.write(f"$var wire 1 {ident} {pin} $end\n")
        self.file.write("$upscope $end\n$enddefinitions $end\n#0\n$dumpvars\n")
        for ident in self.ids.values():
            self.file.write(f"z{ident}\n")
        self.file.write("$end\n")
        mcu.pin_listeners.append(self.pin_changed)

    def pin_changed(self, pin: str, output: bool, level: int, pullup: bool, t: float) -> None:
        if self.file is None or pin not in self.ids:
            return
        value = str(level) if output else ("1" if pullup else "z")
        if self.last.get(pin) == value:
            return
        self.last[pin] = value
        ns = int(round(t * 1e9))
        if ns != self.last_time:
            self.file.write(f"#{ns}\n")
            self.last_time = ns
        self.file.write(f"{value}{self.ids[pin]}\n")

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None
