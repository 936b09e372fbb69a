"""Host toolkit figures: log-line parsing, SQLite storage, spooling, image encoding, plotting."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from ltobms import config, plotting, telemetry
from ltobms.sinks import SpoolingSink, SqliteSink

LINE = ('lto-bms,id=0006 uptime={u}i,v_batt=2768i,v_load=2813i,current=-260i,E_dis=8163i,E_chg=15176i,'
        'charge=-2530i,temp=296i,gain=8i,state="BMS_STATE_CHARGING"')


class NullSink:
    name = "null"

    def write(self, records: object) -> None:
        pass

    def close(self) -> None:
        pass


def rate(label: str, count: int, seconds: float, unit: str) -> None:
    print(f"{label:<46} {count / seconds:>12,.0f} {unit}/s  ({count} in {seconds:.3f} s)")


def main() -> None:
    lines = [LINE.format(u=60 * i) for i in range(20_000)]
    start = time.perf_counter()
    records = [telemetry.parse_line(line, time_ns=(i + 1) * 60 * 10**9) for i, line in enumerate(lines)]
    rate("telemetry.parse_line", len(lines), time.perf_counter() - start, "lines")

    with tempfile.TemporaryDirectory() as tmp:
        sink = SqliteSink(Path(tmp) / "a.sqlite")
        start = time.perf_counter()
        for i in range(0, len(records), 1000):
            sink.write(records[i: i + 1000])
        rate("SqliteSink.write, batches of 1000", len(records), time.perf_counter() - start, "records")
        one = SqliteSink(Path(tmp) / "b.sqlite")
        start = time.perf_counter()
        for record in records[:500]:
            one.write([record])
        rate("SqliteSink.write, one record per commit", 500, time.perf_counter() - start, "records")
        start = time.perf_counter()
        back = sink.records()
        rate("SqliteSink.records (read back)", len(back), time.perf_counter() - start, "records")

        spool = SpoolingSink(NullSink(), Path(tmp) / "spool")
        start = time.perf_counter()
        for record in records[:500]:
            spool.write([record])
        rate("SpoolingSink.write, fsync per record", 500, time.perf_counter() - start, "records")

        start = time.perf_counter()
        plotting.plot_records(records[:10_080], Path(tmp) / "week.png")
        print(f"{'plot_records, one week at 1/min (10080 rows)':<46} {time.perf_counter() - start:>12.2f} s")

    cfg = config.defaults("LTO")
    start = time.perf_counter()
    for sn in range(10_000):
        config.encode(config.validate(cfg.with_changes(serial_number=sn)))
    rate("config.validate + encode", 10_000, time.perf_counter() - start, "images")


if __name__ == "__main__":
    main()
