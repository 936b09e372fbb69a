"""PNG plots: stacked panels with state bands, and the standard record view."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.image as mpimg
import pytest

from ltobms import plotting, telemetry
from ltobms.plotting import Panel

LINE = ('lto-bms,id=0006 uptime={u}i,v_batt={v}i,v_load={v}i,current={c}i,E_dis=1i,'
        'E_chg=2i,charge=3i,temp=296i,gain=8i,state="{s}"')


def test_state_runs_merge_contiguous_states() -> None:
    runs = plotting.state_runs([0, 1, 2, 3], ["A", "A", "B", "A"])
    assert runs == [(0, 2, "A"), (2, 3, "B"), (3, 3, "A")]


def test_plot_panels_writes_png_with_band_colours(tmp_path: Path) -> None:
    t = [i / 10 for i in range(50)]
    states = ["BMS_STATE_CHARGING"] * 25 + ["BMS_STATE_OVLO"] * 25
    out = plotting.plot_panels(tmp_path / "sub" / "p.png", t,
                               [Panel("V", {"a": [math.sin(x) for x in t]}), Panel("I", {"b": t})],
                               states, title="test")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pixels = mpimg.imread(out)
    assert pixels.shape[0] > 300 and pixels.shape[1] > 800
    # The OVLO band colour (#fb9a99 at alpha 0.5 over white) must appear somewhere in the image.
    target = [(1 + c / 255) / 2 for c in (0xFB, 0x9A, 0x99)]
    close = (abs(pixels[..., 0] - target[0]) < 0.02) & (abs(pixels[..., 1] - target[1]) < 0.02) & \
        (abs(pixels[..., 2] - target[2]) < 0.02)
    assert close.sum() > 1000
    assert list(tmp_path.joinpath("sub").iterdir()) == [out]  # no temp files left behind


def test_plot_panels_rejects_length_mismatch(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="series 'a'"):
        plotting.plot_panels(tmp_path / "x.png", [0, 1], [Panel("V", {"a": [1]})])
    assert not (tmp_path / "x.png").exists()


def test_plot_records(tmp_path: Path) -> None:
    recs = [telemetry.parse_line(LINE.format(u=60 * i, v=2400 + i, c=-100 + i, s="BMS_STATE_CHARGING"),
                                 time_ns=i * 60_000_000_000) for i in range(30)]
    out = plotting.plot_records(recs, tmp_path / "r.png")
    assert out.stat().st_size > 10_000
