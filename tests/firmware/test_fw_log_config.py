"""The UART log line and the EEPROM configuration, seen from outside the running image."""

from __future__ import annotations

import pytest
from fw_bench import Bench, eeprom_image
from fw_board import BoardModel
from fw_images import ImageBuilder, Variant

from ltobms.telemetry import REQUIRED_FIELDS, parse_line

pytestmark = pytest.mark.xdist_group("firmware")

BAUD_BYTE_S = 10 / 9600


def log_lines(bench: Bench) -> list[tuple[float, str]]:
    return [(t, line) for t, line in bench.timed_lines() if not line.startswith("#")]


@pytest.mark.parametrize("chemistry, measurement", [("LTO", "lto-bms"), ("NAION", "nai-bms")])
def test_one_line_protocol_line_per_minute_with_the_design_fields(
    images: ImageBuilder, chemistry: str, measurement: str
) -> None:
    cell = 2.4 if chemistry == "LTO" else 3.3
    board = BoardModel(board="revB", cell_v=cell, load_a=0.5)
    bench = Bench(images.elf(Variant(chemistry, "revB")), board, eeprom=None)
    bench.run_until(181.0)
    lines = log_lines(bench)
    assert len(lines) == 4, "uptime 0, 60, 120, 180"
    times = [t for t, _ in lines]
    for earlier, later in zip(times, times[1:], strict=False):
        assert later - earlier == pytest.approx(60.0, abs=0.05)
    records = [parse_line(line) for _, line in lines]
    for record in records:
        assert record.measurement == measurement
        assert list(record.fields)[: len(REQUIRED_FIELDS)] == list(REQUIRED_FIELDS)
        assert record.fields["config"] == "defaults"  # erased EEPROM
    last = records[-1].fields
    assert last["uptime"] == 180
    assert last["v_batt"] == pytest.approx(cell * 1000, abs=1)
    assert last["v_load"] == pytest.approx((cell - 0.5 * 0.15) * 1000, abs=2)
    assert last["current"] == 500
    assert last["state"] == "BMS_STATE_DISCHARGING"
    assert last["temp"] == pytest.approx(298, abs=3)
    assert last["gain"] in (1, 2, 4, 8, 16)
    # 0.5 A flowed from the second measurement on: 180 s -> 25 mAh, cell x 25 mAh of energy.
    assert last["charge"] == pytest.approx(25, abs=1)
    assert last["E_dis"] == pytest.approx(cell * 25, abs=1)
    assert last["E_chg"] == 0
    assert records[0].fields["reset_flags"] == 1  # power-on


@pytest.mark.parametrize("load_ma", [0.3, 2.0])
def test_small_currents_are_measured_not_dropped(images: ImageBuilder, load_ma: float) -> None:
    board = BoardModel(board="revC", cell_v=2.4, load_a=load_ma / 1000)
    bench = Bench(images.elf(Variant("LTO", "revC")), board)
    # A converter offset of 3 LSB (about 0.9 mA at gain 16): only a measured-and-subtracted offset
    # gets the small current right; discarding small values would report 0.
    bench.mcu.peripherals["ADC0"].noise(seed=3, lsb_rms=1.0, offset_lsb=3.0)
    bench.run_until(61.0)
    last = parse_line(log_lines(bench)[-1][1]).fields
    assert last["current_ua"] == pytest.approx(load_ma * 1000, abs=100)  # resolution <= 0.1 mA
    assert last["state"] == ("BMS_STATE_DISCHARGING" if load_ma >= 1 else "BMS_STATE_IDLE")


def test_eeprom_image_limits_take_effect(images: ImageBuilder) -> None:
    image = eeprom_image(serial_number=0x0A07, temp_offset=5, uvlo_cutoff=1900, uvlo_release=2000)
    board = BoardModel(board="revC", cell_v=1.85)  # locked out only by the configured 1900 mV cutoff
    bench = Bench(images.elf(Variant("LTO", "revC")), board, eeprom=image)
    bench.run_until(2.0)
    assert not board.switch_closed
    record = parse_line(log_lines(bench)[0][1])
    assert record.tags["id"] == "0A07"
    assert record.fields["config"] == "eeprom"
    assert record.fields["state"] == "BMS_STATE_UVLO"
    assert record.fields["temp"] == pytest.approx(298 + 5, abs=3)
    assert bench.eeprom()[:20] == image


def test_corrupt_crc_gives_defaults_flag_and_untouched_eeprom(images: ImageBuilder) -> None:
    image = eeprom_image(serial_number=7, uvlo_cutoff=1900, uvlo_release=2000, corrupt_crc=True)
    board = BoardModel(board="revC", cell_v=1.85)  # healthy under the default 1700 mV cutoff
    bench = Bench(images.elf(Variant("LTO", "revC")), board, eeprom=image)
    before = bench.eeprom()
    bench.run_until(2.0)
    assert board.switch_closed
    record = parse_line(log_lines(bench)[0][1])
    assert record.fields["config"] == "defaults"
    assert record.tags["id"] == "0000"
    assert bench.eeprom() == before


def test_reversed_pair_falls_back_to_that_pairs_defaults(images: ImageBuilder) -> None:
    # OVLO release above its cutoff: the OVLO pair falls back to 2800/2700; the UVLO pair is kept.
    image = eeprom_image(ovlo_cutoff=2600, ovlo_release=2650, uvlo_cutoff=1900, uvlo_release=2000)
    board = BoardModel(board="revC", cell_v=2.70)  # over the configured 2600 but under the default
    bench = Bench(images.elf(Variant("LTO", "revC")), board, eeprom=image)
    bench.run_until(2.0)
    assert board.switch_closed
    assert parse_line(log_lines(bench)[0][1]).fields["config"] == "repaired"
    board.cell_v = 1.85  # under the configured UVLO cutoff, which was kept
    bench.run_for(1.5)
    assert not board.switch_closed


def energy_counters(bench: Bench) -> tuple[int, int]:
    """(charge_mah, charge_rem_uas) from the firmware's `struct energy` (energy.h field order)."""
    name = next(n for n in bench.symbols if n.split(".")[0] == "energy")
    raw = bench.ram(name)
    return int.from_bytes(raw[0:4], "little", signed=True), int.from_bytes(raw[4:8], "little", signed=True)


def test_charge_counter_carries_the_sub_unit_remainder(images: ImageBuilder) -> None:
    """7.3 mA for 10 min is 1.2167 mAh: the whole mAh plus the carried uA*s must add up to it."""
    board = BoardModel(board="revC", cell_v=2.4, load_a=0.0073)
    bench = Bench(images.elf(Variant("LTO", "revC")), board)
    bench.run_until(0.5)
    start_mah, start_rem = energy_counters(bench)
    bench.run_until(600.5)  # 600 measurements with the current flowing
    mah, rem = energy_counters(bench)
    total_uas = (mah - start_mah) * 3_600_000 + (rem - start_rem)
    assert mah == 1
    assert total_uas == pytest.approx(7300 * 600, rel=0.005)


def test_counters_near_ten_years_at_two_amps_neither_wrap_nor_lose(images: ImageBuilder) -> None:
    """Start the counters where 10 years at 2 A (and 4 V) would leave them; a minute more must add
    on top, and the log must print the large numbers exactly."""
    ten_years_mah = 2000 * 24 * 3650  # 175 200 000 mAh
    ten_years_mwh = ten_years_mah * 4  # 700 800 000 mWh
    board = BoardModel(board="revC", cell_v=2.4, load_a=0.5)
    bench = Bench(images.elf(Variant("LTO", "revC")), board)
    bench.run_until(0.5)
    name = next(n for n in bench.symbols if n.split(".")[0] == "energy")
    bench.poke(name, ten_years_mah.to_bytes(4, "little", signed=True))  # charge_mah
    address = bench.symbols[name].address
    bench.mcu.data.mem[address + 8: address + 12] = ten_years_mwh.to_bytes(4, "little")  # discharged_mwh
    bench.run_until(60.5)
    last = parse_line(log_lines(bench)[-1][1]).fields
    # Measurements 1..60 at 0.5 A and 2.4 V after the poke: 8.33 mAh and 20 mWh on top.
    assert last["charge"] - ten_years_mah == 8
    assert last["E_dis"] - ten_years_mwh in (19, 20)  # 20.0 mWh: a hair of noise may round below
