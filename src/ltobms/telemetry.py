"""The board's UART log line (design §4.2): parse, validate, and render as InfluxDB line protocol.

A line looks like
    lto-bms,id=0006 uptime=3261420i,v_batt=2768i,...,state="BMS_STATE_CHARGING"
The §4.2 fields are required with their types; appended fields are accepted and kept. A line that
is cut, garbled or mistyped raises TelemetryError and is never stored. Lines starting with `#` are
DEBUG comments (see `is_comment`). Host timestamps are attached by the caller (`time_ns`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

MEASUREMENTS = ("lto-bms", "nai-bms")
INTEGER_FIELDS = ("uptime", "v_batt", "v_load", "current", "E_dis", "E_chg", "charge", "temp", "gain")
REQUIRED_FIELDS = (*INTEGER_FIELDS, "state")
STATE_PREFIX = "BMS_STATE_"
KNOWN_STATES = tuple(STATE_PREFIX + s for s in ("UVLO", "OVLO", "OCLO", "CHARGING", "DISCHARGING", "IDLE"))
_STATE_RE = re.compile(r"BMS_STATE_[A-Z0-9_]+")
_ID_RE = re.compile(r"[0-9A-Fa-f]{4}")
_KEY_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INT_RE = re.compile(r"[+-]?\d+i|\d+u")
# Bounds a real board can report; anything outside is a corrupted line, not a measurement.
_FIELD_BOUNDS = {
    "uptime": (0, 2**32 - 1),
    "v_batt": (0, 10_000),
    "v_load": (0, 10_000),
    "current": (-40_000, 40_000),
    "temp": (0, 500),
    "gain": (1, 16),
}

FieldValue = int | float | str | bool


class TelemetryError(ValueError):
    """A line that is not a valid log line; the message says what is wrong."""


@dataclass(frozen=True)
class Record:
    """One validated log line. `time_ns` is the host receive time (None until stamped)."""

    measurement: str
    tags: dict[str, str]
    fields: dict[str, FieldValue]
    time_ns: int | None = None

    @property
    def serial_number(self) -> int:
        return int(self.tags["id"], 16)

    @property
    def state(self) -> str:
        return str(self.fields["state"])

    def stamped(self, time_ns: int) -> Record:
        return replace(self, time_ns=time_ns)

    def to_line_protocol(self) -> str:
        """Line protocol with the timestamp (ns) when stamped; fields in their original order."""
        head = _escape_key(self.measurement, measurement=True)
        for key in sorted(self.tags):
            head += f",{_escape_key(key)}={_escape_key(self.tags[key])}"
        body = ",".join(f"{_escape_key(k)}={_format_value(v)}" for k, v in self.fields.items())
        line = f"{head} {body}"
        return line if self.time_ns is None else f"{line} {self.time_ns}"


def _escape_key(text: str, measurement: bool = False) -> str:
    text = text.replace("\\", "\\\\").replace(",", "\\,").replace(" ", "\\ ")
    return text if measurement else text.replace("=", "\\=")


def _format_value(value: FieldValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value}i"
    if isinstance(value, float):
        return repr(value)
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def is_comment(line: str) -> bool:
    """DEBUG firmware prints `#` lines: shown to the user, never stored."""
    return line.lstrip().startswith("#")


def _split_unescaped(text: str, sep: str) -> list[str]:
    """Split at `sep` outside quotes and not preceded by a backslash."""
    if "\\" not in text:
        # Fast path (every line real firmware prints): no escapes, so quotes alone decide.
        pieces = text.split('"')
        if len(pieces) % 2 == 0:
            raise TelemetryError("unterminated string (line cut?)")
        parts = [""]
        for index, piece in enumerate(pieces):
            if index % 2:
                parts[-1] += f'"{piece}"'
            else:
                head, *rest = piece.split(sep)
                parts[-1] += head
                parts.extend(rest)
        return parts
    return _split_escaped(text, sep)


def _split_escaped(text: str, sep: str) -> list[str]:
    """The general splitter: walks the text, honouring backslash escapes and quotes."""
    parts, current, quoted, i = [], [], False, 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            current.append(text[i: i + 2])
            i += 2
            continue
        if ch == '"':
            quoted = not quoted
        if ch == sep and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    if quoted:
        raise TelemetryError("unterminated string (line cut?)")
    parts.append("".join(current))
    return parts


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text) if "\\" in text else text


def _parse_value(key: str, raw: str) -> FieldValue:
    if raw.startswith('"'):
        if len(raw) < 2 or not raw.endswith('"'):
            raise TelemetryError(f"field {key}: unterminated string")
        return raw[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    if raw in ("t", "T", "true", "True", "TRUE"):
        return True
    if raw in ("f", "F", "false", "False", "FALSE"):
        return False
    if _INT_RE.fullmatch(raw):
        return int(raw[:-1])
    try:
        return float(raw)
    except ValueError:
        raise TelemetryError(f"field {key}: {raw!r} is not a line-protocol value") from None


def parse_line(line: str | bytes, time_ns: int | None = None) -> Record:
    """Parse and validate one log line (a trailing timestamp, if present, wins over `time_ns`)."""
    if isinstance(line, bytes):
        try:
            line = line.decode("ascii")
        except UnicodeDecodeError:
            raise TelemetryError("non-ASCII bytes (noise on the line?)") from None
    text = line.strip("\r\n")
    if not text.strip():
        raise TelemetryError("empty line")
    if not (text.isascii() and text.isprintable()):
        raise TelemetryError("control or non-printable characters (noise on the line?)")
    sections = _split_unescaped(text, " ")
    if len(sections) not in (2, 3) or not all(sections):
        raise TelemetryError(f"expected 'measurement,tags fields [timestamp]', got {len(sections)} sections")
    series, field_text = sections[0], sections[1]
    if len(sections) == 3:
        if not re.fullmatch(r"-?\d+", sections[2]):
            raise TelemetryError(f"timestamp {sections[2]!r} is not an integer")
        time_ns = int(sections[2])

    measurement, *tag_parts = _split_unescaped(series, ",")
    measurement = _unescape(measurement)
    if measurement not in MEASUREMENTS:
        raise TelemetryError(f"measurement {measurement!r} is not one of {', '.join(MEASUREMENTS)}")
    tags: dict[str, str] = {}
    for part in tag_parts:
        key, sep, value = part.partition("=")
        if not sep or not key or not value:
            raise TelemetryError(f"tag {part!r} is not key=value")
        tags[_unescape(key)] = _unescape(value)
    if "id" not in tags or not _ID_RE.fullmatch(tags["id"]):
        raise TelemetryError(f"tag id={tags.get('id')!r} must be 4 hex digits")

    fields: dict[str, FieldValue] = {}
    for part in _split_unescaped(field_text, ","):
        key, sep, raw = part.partition("=")
        key = _unescape(key)
        if not sep or not _KEY_RE.fullmatch(key) or not raw:
            raise TelemetryError(f"field {part!r} is not key=value")
        if key in fields:
            raise TelemetryError(f"field {key} appears twice")
        fields[key] = _parse_value(key, raw)

    missing = [name for name in REQUIRED_FIELDS if name not in fields]
    if missing:
        raise TelemetryError(f"missing field(s) {', '.join(missing)} (line cut?)")
    for name in INTEGER_FIELDS:
        value = fields[name]
        if not isinstance(value, int) or isinstance(value, bool):
            raise TelemetryError(f"field {name}={value!r} must be an integer (i suffix)")
        if name in _FIELD_BOUNDS:
            low, high = _FIELD_BOUNDS[name]
            if not low <= value <= high:
                raise TelemetryError(f"field {name}={value} is outside {low}..{high}")
    state = fields["state"]
    if not isinstance(state, str) or not _STATE_RE.fullmatch(state):
        raise TelemetryError(f"field state={state!r} must be a quoted BMS_STATE_* name")
    return Record(measurement, tags, fields, time_ns)


def now_ns() -> int:
    return time.time_ns()


LOG_PERIOD_S = 60  # the firmware prints one line a minute


class UptimeClock:
    """Timestamps for captured lines that carry none, spaced by the board's `uptime` field.

    A line's own timestamp is kept and re-anchors the clock; a reboot (uptime going back) counts as
    one log period. Deterministic, so importing the same capture twice gives the same points.
    """

    def __init__(self, start_ns: int) -> None:
        self.start_ns = start_ns
        self.current_ns: int | None = None
        self.last_uptime: int | None = None

    def stamp(self, record: Record) -> Record:
        uptime = int(record.fields["uptime"])
        if record.time_ns is not None:
            self.current_ns = record.time_ns
        elif self.current_ns is None:
            self.current_ns = self.start_ns
        else:
            self.current_ns += uptime_step_s(self.last_uptime, uptime) * 1_000_000_000
        self.last_uptime = uptime
        return record if record.time_ns is not None else record.stamped(self.current_ns)


def uptime_step_s(before: int | None, after: int) -> int:
    """Seconds between two log lines by their uptime fields (a reboot resets uptime)."""
    if before is None:
        return 0
    return after - before if after > before else LOG_PERIOD_S


@dataclass
class LineStats:
    """What a stream of lines contained: stored records, rejected lines (with reasons), comments."""

    accepted: int = 0
    rejected: int = 0
    comments: int = 0
    reasons: list[str] = field(default_factory=list)

    def reject(self, line: str, reason: str) -> None:
        self.rejected += 1
        if len(self.reasons) < 100:  # keep the first reasons for the report, bounded in memory
            self.reasons.append(f"{reason}: {line[:80]!r}")

    def summary(self) -> str:
        return f"{self.accepted} stored, {self.rejected} rejected, {self.comments} comment lines"


class LineAssembler:
    """Bytes from a serial port in, complete lines out. `reset()` drops a partial line after a break."""

    MAX_LINE = 1024  # longer than any real line; stops a noise storm growing the buffer

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.dropped_partial = 0

    def feed(self, data: bytes) -> Iterator[str]:
        self._buffer.extend(data)
        while True:
            end = self._buffer.find(b"\n")
            if end < 0:
                if len(self._buffer) > self.MAX_LINE:
                    self._buffer.clear()
                    self.dropped_partial += 1
                return
            raw = bytes(self._buffer[:end])
            del self._buffer[: end + 1]
            yield raw.decode("ascii", errors="replace").rstrip("\r")

    def reset(self) -> None:
        if self._buffer:
            self.dropped_partial += 1
        self._buffer.clear()


def parse_lines(lines: Iterable[str], stats: LineStats | None = None,
                stamp: int | None = None) -> Iterator[Record]:
    """Valid records from lines; invalid ones are counted in `stats` and skipped; blank lines ignored."""
    stats = stats if stats is not None else LineStats()
    for line in lines:
        if not line.strip():
            continue
        if is_comment(line):
            stats.comments += 1
            continue
        try:
            record = parse_line(line, stamp)
        except TelemetryError as exc:
            stats.reject(line, str(exc))
            continue
        stats.accepted += 1
        yield record
