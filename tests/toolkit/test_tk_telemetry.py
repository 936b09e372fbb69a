"""Log line (§4.2) parsing and validation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ltobms import telemetry
from ltobms.telemetry import LineAssembler, LineStats, TelemetryError

LINE = ('lto-bms,id=0006 uptime=3261420i,v_batt=2768i,v_load=2813i,current=-260i,E_dis=8163i,'
        'E_chg=15176i,charge=-2530i,temp=296i,gain=8i,state="BMS_STATE_CHARGING"')


def test_parses_the_design_example() -> None:
    rec = telemetry.parse_line(LINE + "\r\n")
    assert rec.measurement == "lto-bms"
    assert rec.tags == {"id": "0006"} and rec.serial_number == 6
    assert rec.fields["uptime"] == 3261420 and rec.fields["current"] == -260 and rec.fields["charge"] == -2530
    assert rec.state == "BMS_STATE_CHARGING"
    assert rec.time_ns is None


def test_appended_fields_are_kept_and_timestamp_is_read() -> None:
    rec = telemetry.parse_line(LINE + ',cycles=3i,soc=0.5,note="x y" 1700000000000000000')
    assert rec.fields["cycles"] == 3 and rec.fields["soc"] == 0.5 and rec.fields["note"] == "x y"
    assert rec.time_ns == 1700000000000000000


def test_line_protocol_round_trip() -> None:
    rec = telemetry.parse_line(LINE).stamped(123)
    text = rec.to_line_protocol()
    assert text == LINE + " 123"
    assert telemetry.parse_line(text) == rec


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (LINE[:60], "not key=value"),
        (LINE[: LINE.index(",E_chg")], "missing field"),
        (LINE[:-5], "unterminated"),
        (LINE.replace("lto-bms", "xyz"), "measurement"),
        (LINE.replace("id=0006", "id=06"), "4 hex digits"),
        (LINE.replace("temp=296i", "temp=296"), "must be an integer"),
        (LINE.replace("gain=8i", "gain=99i"), "outside"),
        (LINE.replace('"BMS_STATE_CHARGING"', '"CHARGING"'), "BMS_STATE_"),
        (LINE.replace("v_batt=2768i", "v_batt=27\x0168i"), "control"),
        (LINE.replace("v_load=", "v_batt="), "twice"),
        ("", "empty"),
        ("garbage line", "measurement"),
        (LINE + " notatime", "timestamp"),
    ],
)
def test_rejects_bad_lines(line: str, reason: str) -> None:
    with pytest.raises(TelemetryError, match=reason):
        telemetry.parse_line(line)


def test_naion_measurement_and_new_state_accepted() -> None:
    rec = telemetry.parse_line(LINE.replace("lto-bms", "nai-bms").replace("CHARGING", "BALANCING"))
    assert rec.measurement == "nai-bms" and rec.state == "BMS_STATE_BALANCING"


def test_assembler_and_stats_count_garbage_cut_and_comments() -> None:
    asm = LineAssembler()
    stream = (b"\x00\xffnoise\n# debug: adc=123\n" + LINE.encode() + b"\r\n" + LINE.encode()[:40])
    lines = list(asm.feed(stream))
    assert len(lines) == 3
    asm.reset()  # serial break: the cut tail is dropped, never parsed
    assert asm.dropped_partial == 1
    lines += list(asm.feed(LINE.encode()[40:] + b"\n"))  # remainder of the cut line arrives alone
    stats = LineStats()
    records = list(telemetry.parse_lines(lines, stats))
    assert len(records) == 1 and stats.accepted == 1
    assert stats.comments == 1
    assert stats.rejected == 2
    assert "1 stored, 2 rejected, 1 comment lines" == stats.summary()


@given(st.text(alphabet='ab ,="', max_size=30), st.sampled_from([" ", ","]))
def test_fast_splitter_agrees_with_general_one(text: str, sep: str) -> None:
    from ltobms.telemetry import _split_escaped, _split_unescaped

    try:
        expected = _split_escaped(text, sep)
    except TelemetryError:
        with pytest.raises(TelemetryError):
            _split_unescaped(text, sep)
        return
    assert _split_unescaped(text, sep) == expected


def test_unsigned_and_escaped_values() -> None:
    rec = telemetry.parse_line(LINE + r',count=7u,note="say \"hi\"",path="a\\b"')
    assert rec.fields["count"] == 7 and rec.fields["note"] == 'say "hi"' and rec.fields["path"] == "a\\b"
    assert telemetry.parse_line(rec.stamped(1).to_line_protocol()).fields == rec.fields


def test_uptime_clock_spaces_lines_and_survives_reboots() -> None:
    clock = telemetry.UptimeClock(1_000)
    uptimes = [100, 160, 220, 5, 65]  # the board rebooted before the 4th line
    stamps = [clock.stamp(telemetry.parse_line(LINE.replace("uptime=3261420i", f"uptime={u}i"))).time_ns
              for u in uptimes]
    s = 1_000_000_000
    assert stamps == [1_000, 1_000 + 60 * s, 1_000 + 120 * s, 1_000 + 180 * s, 1_000 + 240 * s]
    own = telemetry.parse_line(LINE.replace("uptime=3261420i", "uptime=125i") + " 777")
    assert clock.stamp(own).time_ns == 777  # a line's own timestamp wins and re-anchors
    nxt = telemetry.parse_line(LINE.replace("uptime=3261420i", "uptime=185i"))
    assert clock.stamp(nxt).time_ns == 777 + 60 * s
