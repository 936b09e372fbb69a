"""The emulated chip: data space, scheduler, CPU, CPUINT and the peripherals of a device description.

    mcu = Mcu.from_elf("build/lto-bms-LTO-revC.elf", world=board)
    mcu.run(seconds=2.0)
    mcu.read_var("state", "<B")

Time only advances inside `run*`; while the CPU sleeps it jumps from one peripheral event to the next.
"""

from __future__ import annotations

import importlib
import struct
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from ltobms.avr import loader
from ltobms.avr.cpu import Cpu
from ltobms.avr.cpuint import CpuInt
from ltobms.avr.devices import attiny824
from ltobms.avr.memory import DataSpace
from ltobms.avr.peripherals.base import Peripheral
from ltobms.avr.peripherals.clkctrl import Clkctrl
from ltobms.avr.peripherals.cpu_regs import CpuRegs
from ltobms.avr.peripherals.rstctrl import Rstctrl
from ltobms.avr.peripherals.slpctrl import Slpctrl
from ltobms.avr.scheduler import Scheduler


class Mcu:
    def __init__(self, device: ModuleType = attiny824, world: Any = None, strict: bool = True) -> None:
        self.device = device
        self.data = DataSpace(strict=strict)
        self.sched = Scheduler(device.OSC20M_HZ[2] / device.RESET_PRESCALER)
        if world is None:
            from ltobms.avr.world import StaticWorld

            world = StaticWorld()
        self.world = world
        self.fuses = bytearray(device.FUSE_DEFAULTS)
        self.sleep_mode: str | None = None
        self.stop = False
        self.stop_on_break = True
        self.breaks: list[int] = []  # byte addresses of BREAK instructions executed
        self.held_in_reset = False  # see hold_in_reset
        # besides the world, who hears of every change of how a pin is driven (e.g. a VCD recorder)
        self.pin_listeners: list[Callable[[str, bool, int, bool, float], None]] = []
        self.symbols: dict[str, tuple[int, int]] = {}
        self.uart_tx = None  # set by the USART model: ltobms.avr.uart.UartCapture
        self._slept_cycles = 0
        self._sleep_start = 0
        self._retime = False
        self.sched.on_frequency_change = self._frequency_changed

        d = self.data
        d.map_plain(device.SRAM_START, device.SRAM_SIZE)
        d.map_readonly(device.MAPPED_FLASH_START, device.FLASH_SIZE)
        self.cpu = Cpu(self)
        d.pc_source = lambda: self.cpu.pc
        self.cpuint = CpuInt(self)
        self.cpu_regs = CpuRegs(self)
        self.clkctrl = Clkctrl(self)
        self.slpctrl = Slpctrl(self)
        self.rstctrl = Rstctrl(self)
        self.peripherals: dict[str, Peripheral] = {
            "CPU": self.cpu_regs, "CLKCTRL": self.clkctrl, "SLPCTRL": self.slpctrl, "RSTCTRL": self.rstctrl,
        }
        for name, base, cls_path, params in device.PERIPHERALS:
            module, cls_name = cls_path.rsplit(".", 1)
            cls = getattr(importlib.import_module(f"ltobms.avr.peripherals.{module}"), cls_name)
            self.peripherals[name] = cls(self, name, base, **params)
        self.reset("PORF")

    # --- construction from images -----------------------------------------------------------------
    @classmethod
    def from_elf(cls, path: str | Path, world: Any = None, strict: bool = True, **kw: Any) -> Mcu:
        mcu = cls(world=world, strict=strict, **kw)
        mcu.load(path)
        return mcu

    from_image = from_elf

    def load(self, path: str | Path) -> None:
        img = loader.load(path)
        self.load_flash(bytes(img.flash))
        for off, b in img.eeprom.items():
            if off < self.device.EEPROM_SIZE:
                self.eeprom_write_raw(off, bytes([b]))
        for off, b in img.fuses.items():
            if off < len(self.fuses):
                self.fuses[off] = b
        self.symbols = img.symbols
        self.reset("PORF")

    def load_flash(self, image: bytes) -> None:
        dev = self.device
        if len(image) > dev.FLASH_SIZE:
            raise ValueError(f"image of {len(image)} bytes does not fit {dev.FLASH_SIZE} bytes of flash")
        padded = image + b"\xff" * (dev.FLASH_SIZE - len(image))
        self.cpu.load_flash(padded)
        self.data.poke(dev.MAPPED_FLASH_START, padded)

    # --- EEPROM (raw access for loaders and tests; the firmware goes through NVMCTRL) ---------------
    @property
    def eeprom(self) -> bytes:
        return self.data.peek(self.device.EEPROM_START, self.device.EEPROM_SIZE)

    def eeprom_write_raw(self, offset: int, data: bytes) -> None:
        nvm = self.peripherals.get("NVMCTRL")
        if nvm is not None and hasattr(nvm, "eeprom_write_raw"):
            nvm.eeprom_write_raw(offset, data)
        else:
            self.data.poke(self.device.EEPROM_START + offset, data)

    # --- symbols ----------------------------------------------------------------------------------
    def symbol(self, name: str) -> tuple[int, int]:
        """(data-space address, size) of a firmware variable, or (word address, size) of a function."""
        try:
            value, size = self.symbols[name]
        except KeyError:
            raise KeyError(f"no symbol {name!r} in the firmware") from None
        if value >= loader.DATA_OFFSET:
            value -= loader.DATA_OFFSET
        return value, size

    def read_var(self, name: str, fmt: str = "<B") -> Any:
        addr, _ = self.symbol(name)
        vals = struct.unpack(fmt, self.data.peek(addr, struct.calcsize(fmt)))
        return vals[0] if len(vals) == 1 else vals

    def write_var(self, name: str, value: Any, fmt: str = "<B") -> None:
        addr, _ = self.symbol(name)
        vals = value if isinstance(value, tuple) else (value,)
        self.data.poke(addr, struct.pack(fmt, *vals))

    # --- ports to the outside ----------------------------------------------------------------------
    @property
    def i2c(self):  # noqa: ANN201 - ltobms.avr.i2c.I2CBus
        """The host side of the I2C bus to TWI0 (created on first use)."""
        bus = self.__dict__.get("_i2c")
        if bus is None:
            from ltobms.avr.i2c import I2CBus

            bus = self._i2c = I2CBus(self)
        return bus

    def supply_changed(self) -> None:
        """The world's VDD changed: let the brown-out detector look at it now."""
        bod = self.peripherals.get("BOD")
        if bod is not None:
            bod.check()

    def analog_changed(self) -> None:
        """The world's analog voltages changed: let the comparator look at them now."""
        for p in self.peripherals.values():
            check = getattr(p, "check_analog", None)
            if check is not None:
                check()

    def pin_event(self, pin: str, output: bool, level: int, pullup: bool, t: float) -> None:
        """A PORT changed how it drives `pin`: the world and every pin listener hear of it."""
        self.world.pin_changed(pin, output, level, pullup, t)
        for listener in self.pin_listeners:
            listener(pin, output, level, pullup, t)

    def record_pins(self, path: str | Path):  # noqa: ANN201 - ltobms.avr.vcd.PinVcd
        """Start a VCD of every pin's drive into `path`; call `.close()` on the result at the end."""
        from ltobms.avr.vcd import PinVcd

        return PinVcd(self, path)

    def pin_input_changed(self, pin: str) -> None:
        """The world changed the level it drives onto `pin` ('PA1'...): pin-change interrupts."""
        port = self.peripherals.get(f"PORT{pin[1]}")
        if port is not None:
            port.set_input(int(pin[2]), 0)

    # --- what peripherals call ---------------------------------------------------------------------
    def set_irq(self, vector: int, level: bool) -> None:
        self.cpuint.set(vector, level)

    def ccp_ioreg_open(self) -> bool:
        return self.cpu_regs.ioreg_open()

    def ccp_spm_open(self) -> bool:
        return self.cpu_regs.spm_open()

    @property
    def pc(self) -> int:
        return self.cpu.pc

    @property
    def trace(self):  # noqa: ANN201 - a deque of recent PCs
        return self.cpu.trace

    def reset(self, cause: str = "PORF") -> None:
        """Any reset: CPU and peripherals to reset state; EEPROM, fuses and RSTFR history survive."""
        if self.sleep_mode is not None:
            self.wake()
        self.cpu.reset()
        self.cpuint.lines = 0
        self.cpuint.reset()
        for p in self.peripherals.values():
            p.reset()
        self.rstctrl.record(cause)

    def hold_in_reset(self, cause: str) -> None:
        """Reset and stay there (the BOD while VDD is below its level): no instruction runs and no
        timer of the chip counts until `release_reset`."""
        self.reset(cause)
        self.held_in_reset = True
        self.sleep_mode = "RESET"  # the CPU loop fast-forwards as in sleep; nothing may wake it
        self._sleep_start = self.sched.cycles

    def release_reset(self, cause: str) -> None:
        """The reset source went away: the chip starts from its reset vector now."""
        self.held_in_reset = False
        self.reset(cause)

    def enter_sleep(self) -> None:
        mode = self.slpctrl.mode()
        if mode is None:
            return
        self.sleep_mode = mode
        self._sleep_start = self.sched.cycles
        for p in self.peripherals.values():
            p.sleep_changed(mode)

    def wake(self) -> None:
        self._slept_cycles += self.sched.cycles - self._sleep_start
        self.sleep_mode = None
        for p in self.peripherals.values():
            p.sleep_changed(None)

    def wake_allowed(self) -> bool:
        # peripherals assert only the requests they can make in the current sleep mode
        return not self.held_in_reset

    def wdr(self) -> None:
        wdt = self.peripherals.get("WDT")
        if wdt is not None:
            wdt.wdr()

    def on_break(self, pc: int) -> None:
        self.breaks.append(pc * 2)
        if self.stop_on_break:
            self.stop = True

    # --- time --------------------------------------------------------------------------------------
    @property
    def cycles(self) -> int:
        return self.sched.cycles

    @property
    def time(self) -> float:
        return self.sched.time

    @property
    def instructions(self) -> int:
        return self.cpu.instructions

    @property
    def awake_cycles(self) -> int:
        slept = self._slept_cycles
        if self.sleep_mode is not None:
            slept += self.sched.cycles - self._sleep_start
        return self.sched.cycles - slept

    def run_cycles(self, n: int) -> None:
        """Run `n` CPU cycles (stops early at a BREAK when `stop_on_break`)."""
        end = self.sched.cycles + n
        while True:
            self.stop = False
            self._retime = False  # a clock change stops the CPU loop; the end cycle stays valid
            self.cpu.run(end)
            if not self._retime:
                break

    def _frequency_changed(self) -> None:
        # A run's end is a cycle number: leave the CPU loop so `run` re-converts it at the new clock.
        self._retime = True
        self.stop = True

    def run(self, seconds: float) -> None:
        """Run for `seconds` of simulated time (stops early at a BREAK when `stop_on_break`, or when
        a host-side port such as the I2C bus asks the CPU loop to hand back control)."""
        end = self.sched.time + seconds
        while True:
            self.stop = False
            self._retime = False
            self.cpu.run(self.sched.cycle_at(end))
            if not self._retime:
                break

    def run_until(self, predicate: Callable[[], bool], timeout_s: float = 10.0,
                  step_s: float = 1e-3) -> float:
        """Run until `predicate()` is true (checked every `step_s` of simulated time); returns the
        simulated time. Raises TimeoutError after `timeout_s` simulated seconds."""
        deadline = self.sched.time + timeout_s
        while not predicate():
            if self.sched.time >= deadline:
                raise TimeoutError(f"condition not met within {timeout_s} s of simulated time")
            self.run(min(step_s, deadline - self.sched.time))
            if self.stop and not predicate():
                raise TimeoutError(f"firmware hit BREAK at 0x{self.breaks[-1]:04x} before the condition")
        return self.sched.time
