"""InfluxDB 2.x (and anything speaking its write API) through influxdb-client, synchronous writes."""

from __future__ import annotations

from collections.abc import Sequence

from ltobms.sinks.base import SinkUnavailable, require_stamped
from ltobms.telemetry import Record


class InfluxV2Sink:
    name = "influxdb-v2"

    def __init__(self, url: str, token: str, org: str, bucket: str, timeout_ms: int = 10_000) -> None:
        from influxdb_client import InfluxDBClient
        from influxdb_client.client.write_api import SYNCHRONOUS

        self.url = url
        self.org = org
        self.bucket = bucket
        # No client-side retries: the spool owns retrying, so the logger never blocks for minutes.
        self._client = InfluxDBClient(url=url, token=token, org=org, timeout=timeout_ms, retries=False)
        self._write_api = self._client.write_api(write_options=SYNCHRONOUS)

    def write(self, records: Sequence[Record]) -> None:
        from influxdb_client import WritePrecision
        if not records:
            return
        require_stamped(records)
        lines = [r.to_line_protocol() for r in records]
        try:
            self._write_api.write(bucket=self.bucket, org=self.org, record=lines,
                                  write_precision=WritePrecision.NS)
        except Exception as exc:  # ApiException, urllib3 connection errors, timeouts
            status = getattr(exc, "status", None)
            if status:
                text = f"HTTP {status} {getattr(exc, 'reason', '')}".strip()
            else:
                text = (str(exc).splitlines() or [type(exc).__name__])[0]
            raise SinkUnavailable(f"{self.url}: {text}") from None

    def close(self) -> None:
        self._client.close()
