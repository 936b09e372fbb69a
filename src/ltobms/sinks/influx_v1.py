"""InfluxDB 1.x through its plain HTTP `/write` API (line protocol, nanosecond timestamps)."""

from __future__ import annotations

import base64
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence

from ltobms.sinks.base import SinkUnavailable, require_stamped
from ltobms.telemetry import Record


class InfluxV1Sink:
    name = "influxdb-v1"

    def __init__(self, url: str, database: str, user: str | None = None, password: str | None = None,
                 timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.database = database
        self.timeout = timeout
        self._auth = None
        if user:
            token = base64.b64encode(f"{user}:{password or ''}".encode()).decode()
            self._auth = f"Basic {token}"

    def write(self, records: Sequence[Record]) -> None:
        if not records:
            return
        require_stamped(records)
        body = ("\n".join(r.to_line_protocol() for r in records) + "\n").encode()
        query = urllib.parse.urlencode({"db": self.database, "precision": "ns"})
        request = urllib.request.Request(f"{self.url}/write?{query}", data=body, method="POST",
                                         headers={"Content-Type": "text/plain; charset=utf-8"})
        if self._auth:
            request.add_header("Authorization", self._auth)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            detail = exc.read(200).decode(errors="replace").strip()
            raise SinkUnavailable(f"{self.url}: HTTP {exc.code} {detail}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise SinkUnavailable(f"{self.url}: {reason}") from None
        if status != 204:
            raise SinkUnavailable(f"{self.url}: unexpected HTTP {status}")

    def close(self) -> None:
        pass
