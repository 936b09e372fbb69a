"""A simulation: the built firmware on the emulated ATtiny824 inside the node's models, an I2C host that
polls the INA260 registers, the UART log through the project's telemetry pipeline, and ground truth
recorded beside what the BMS reported."""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ltobms import config as eeprom_config
from ltobms import telemetry
from ltobms.avr.i2c import I2CError
from ltobms.avr.mcu import Mcu
from ltobms.device import ina260
from ltobms.sim.scenario import Scenario
from ltobms.sim.world import Event, SimWorld

PROGRESS_EVERY_S = 3600.0  # simulated time between progress reports


@dataclass
class Sample:
    """One poll of the I2C host: ground truth beside the INA260 registers and the latest log line."""

    t: float
    truth: dict[str, float]
    ina: dict[str, float]
    log: dict[str, Any]


@dataclass
class SimResult:
    scenario: Scenario
    seed: int
    duration_s: float
    samples: list[Sample]
    events: list[Event]
    log_lines: list[tuple[float, str]]
    records: list[telemetry.Record]
    rejected_lines: list[tuple[float, str, str]]
    totals: Any
    pack_soc: tuple[float, float]
    ina_identity: tuple[int, int] | None
    wall_s: float
    instructions: int
    safe_window: tuple[float, float]
    interrupted: bool = False  # stopped early by Ctrl-C
    files: dict[str, Path] = field(default_factory=dict)

    def states(self) -> list[str]:
        return [str(s.log.get("state", "")) for s in self.samples]


class Simulation:
    """Run with `Simulation(scenario, elf).run()`; `progress(t_sim, duration, wall_s)` is called now and
    then; `on_record(record)` receives every valid log record (the logging pipeline's input)."""

    def __init__(self, scenario: Scenario, firmware: Path, seed: int | None = None,
                 on_record: Callable[[telemetry.Record], None] | None = None) -> None:
        self.scenario = scenario
        self.seed = scenario.seed if seed is None else seed
        self.models = models = scenario.build(self.seed)
        self.world = SimWorld(models.board, models.pack, models.charger, models.load, models.climate.ambient,
                              models.die_temperature)
        self.mcu = Mcu.from_elf(firmware, world=self.world, strict=True)
        self.world.mcu = self.mcu
        self.mcu.eeprom_write_raw(0, eeprom_config.encode(scenario.eeprom_config()))
        self.mcu.reset("PORF")
        self.mcu.peripherals["ADC0"].noise(seed=self.seed)
        self.epoch_ns = int(scenario.start.replace(tzinfo=dt.UTC).timestamp()) * 1_000_000_000
        self.on_record = on_record
        self.records: list[telemetry.Record] = []
        self.rejected: list[tuple[float, str, str]] = []
        self.last_log: dict[str, Any] = {}
        self.log_lines: list[tuple[float, str]] = []
        self.mcu.uart_tx.retain = False
        self.mcu.uart_tx.listeners.append(self._on_line)
        host = scenario.host
        self.poll_s = float(host.get("poll_s", 60))
        self.address = int(host.get("address", ina260.DEFAULT_ADDRESS))

    # --- UART log → telemetry pipeline ----------------------------------------------------------
    def _on_line(self, t: float, line: str) -> None:
        self.log_lines.append((t, line))
        if line.startswith("#") or not line.strip():
            return
        try:
            record = telemetry.parse_line(line, self.epoch_ns + int(t * 1e9))
        except telemetry.TelemetryError as exc:
            self.rejected.append((t, line, str(exc)))
            return
        self.records.append(record)
        previous = self.last_log.get("state")
        self.last_log = dict(record.fields)
        if record.state != previous:
            self.world.events.append(Event(t, "state", record.state))
        if self.on_record is not None:
            self.on_record(record)

    # --- the I2C host ---------------------------------------------------------------------------
    def _read_register(self, reg: int) -> int:
        data = self.mcu.i2c.write_read(self.address, bytes([reg]), 2)
        return (data[0] << 8) | data[1]

    def identify(self) -> tuple[int, int] | None:
        """Meshtastic's INA260 detection (design §4.1): address-only probe, then manufacturer and die ID,
        each as pointer write, STOP, ~20 ms, 2-byte read."""
        bus = self.mcu.i2c
        if not bus.probe(self.address):
            self.world.events.append(Event(self.mcu.time, "i2c", f"no ACK at 0x{self.address:02x}"))
            return None
        ids = []
        for reg in (ina260.REG_MANUFACTURER_ID, ina260.REG_DIE_ID):
            bus.write(self.address, bytes([reg]))
            self.mcu.run(0.02)
            data = bus.read(self.address, 2)
            ids.append((data[0] << 8) | data[1])
        return ids[0], ids[1]

    def poll(self) -> dict[str, float]:
        try:
            current = ina260.to_signed16(self._read_register(ina260.REG_CURRENT))
            bus = self._read_register(ina260.REG_BUS_VOLTAGE)
            power = self._read_register(ina260.REG_POWER)
        except I2CError as exc:
            self.world.events.append(Event(self.mcu.time, "i2c", str(exc)))
            return {"current_ma": math.nan, "bus_mv": math.nan, "power_mw": math.nan}
        return {"current_ma": current * ina260.CURRENT_LSB_A * 1e3,
                "bus_mv": bus * ina260.VOLTAGE_LSB_V * 1e3, "power_mw": power * ina260.POWER_LSB_W * 1e3}

    def truth(self) -> dict[str, float]:
        w = self.world
        op = w.op
        return {
            "soc": w.pack.soc, "ocv_v": op.ocv, "cell_v": op.v_pack, "load_v": op.v_term,
            "current_ma": op.i_switch * 1000.0, "cell_current_ma": op.i_cell * 1000.0,
            "charger_ma": op.i_charger * 1000.0, "load_ma": op.i_load * 1000.0,
            "switch_closed": float(op.closed), "ptc_tripped": float(w.board.ptc.tripped),
            "ambient_c": op.temp_c, "die_c": w.die_temp(w.t),
            "measured_cell_v": w.sampled_v_pack, "measured_current_ma": w.sampled_i_switch * 1000.0,
        }

    # --- the run --------------------------------------------------------------------------------
    def run(self, duration_s: float | None = None,
            progress: Callable[[float, float, float], None] | None = None) -> SimResult:
        duration = self.scenario.duration_s if duration_s is None else duration_s
        mcu, world = self.mcu, self.world
        soc0 = world.pack.soc
        wall0 = time.perf_counter()
        samples: list[Sample] = []
        mcu.run(min(2.0, duration))  # first measurement and protection decisions before the host looks
        identity = self.identify()
        # Polls fall half-way between the firmware's once-a-second measurements, so the registers read
        # and the truth beside them belong to the same measurement.
        next_poll = math.floor(mcu.time) + self.poll_s + 0.5
        next_progress = PROGRESS_EVERY_S
        interrupted = False
        try:
            while mcu.time < duration:
                target = min(next_poll, duration)
                mcu.run(target - mcu.time)
                world.advance(mcu.time)
                if mcu.time >= next_poll - 1e-9:
                    truth = self.truth()
                    samples.append(Sample(mcu.time, truth, self.poll(), dict(self.last_log)))
                    next_poll += self.poll_s
                if progress is not None and mcu.time >= next_progress:
                    progress(mcu.time, duration, time.perf_counter() - wall0)
                    next_progress += PROGRESS_EVERY_S
        except KeyboardInterrupt:
            interrupted = True  # Ctrl-C: what was simulated so far is still reported
        world.advance(mcu.time)
        if progress is not None and not interrupted:
            progress(mcu.time, duration, time.perf_counter() - wall0)
        chem = world.pack.chemistry
        return SimResult(
            scenario=self.scenario, seed=self.seed, duration_s=mcu.time, samples=samples,
            events=sorted(world.events, key=lambda e: e.t), log_lines=self.log_lines,
            records=self.records, rejected_lines=self.rejected, totals=world.totals,
            pack_soc=(soc0, world.pack.soc), ina_identity=identity, wall_s=time.perf_counter() - wall0,
            instructions=mcu.instructions, safe_window=(chem.safe_min_v, chem.safe_max_v),
            interrupted=interrupted,
        )
