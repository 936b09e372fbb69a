"""Host side of USART0: a capture of what the firmware sends on TX (bytes with the time their stop
bit ended, and complete lines), and `send()` for bytes towards RX."""

from __future__ import annotations

from collections.abc import Callable


class UartCapture:
    def __init__(self) -> None:
        self.bytes: list[tuple[float, int]] = []
        self._partial = bytearray()
        self._lines: list[tuple[float, str]] = []
        self.listeners: list[Callable[[float, str], None]] = []  # called with each complete line
        self.sender: Callable[[bytes], None] | None = None  # set by the USART model
        # False: keep nothing, only call the listeners (a simulated week would otherwise hold
        # millions of timestamped bytes)
        self.retain = True

    def receive(self, t: float, byte: int) -> None:
        """The USART finished sending `byte` at time `t`."""
        if self.retain:
            self.bytes.append((t, byte))
        if byte == 0x0A:
            line = self._partial.decode("latin-1").rstrip("\r")
            self._partial.clear()
            if self.retain:
                self._lines.append((t, line))
            for fn in self.listeners:
                fn(t, line)
        else:
            self._partial += bytes([byte])

    @property
    def lines(self) -> list[str]:
        return [line for _, line in self._lines]

    @property
    def timed_lines(self) -> list[tuple[float, str]]:
        return list(self._lines)

    @property
    def text(self) -> str:
        return bytes(b for _, b in self.bytes).decode("latin-1")

    def clear(self) -> None:
        self.bytes.clear()
        self._lines.clear()
        self._partial.clear()

    def send(self, data: bytes) -> None:
        """Bytes from the host towards the firmware's RX, one frame after another from now."""
        if self.sender is None:
            raise RuntimeError("no USART attached to this capture")
        self.sender(data)
