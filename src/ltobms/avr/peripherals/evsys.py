"""EVSYS: the event system's registers. Channel generators (CHANNELn) are stored and read back; no
generator produces events in the emulator, so a user connected to a channel (USERx != 0) would never
be triggered — in strict mode that raises `Unsupported`, in lenient mode it is logged and stored.
SWEVENTA is a strobe that reads as 0.
"""

from __future__ import annotations

from ltobms.avr.errors import Unsupported
from ltobms.avr.peripherals.base import Peripheral, ignore_write

SWEVENTA = 0x00
CHANNEL0, CHANNELS = 0x10, 6
USER0 = 0x20
USERS = ("CCLLUT0A", "CCLLUT0B", "CCLLUT1A", "CCLLUT1B", "CCLLUT2A", "CCLLUT2B", "CCLLUT3A", "CCLLUT3B",
         "ADC0START", "EVSYSEVOUTA", "EVSYSEVOUTB", None, "USART0IRDA", "USART1IRDA", "TCA0CNTA", "TCA0CNTB",
         "TCB0CAPT", "TCB0COUNT", "TCB1CAPT", "TCB1COUNT")


class Evsys(Peripheral):
    def __init__(self, mcu, name: str = "EVSYS", base: int = 0x0180, **params) -> None:
        super().__init__(mcu, name, base, **params)
        d = self.data
        d.hook(base + SWEVENTA, lambda a: 0, ignore_write, f"{name}.SWEVENTA")
        for i in range(CHANNELS):
            d.hook(base + CHANNEL0 + i, None, None, f"{name}.CHANNEL{i}")
        for i, user in enumerate(USERS):
            if user is not None:
                d.hook(base + USER0 + i, None, self._w_user, f"{name}.USER{user}")

    def reset(self) -> None:
        self.mem[self.base:self.base + USER0 + len(USERS)] = bytes(USER0 + len(USERS))

    def channel(self, n: int) -> int:
        """The generator selected for channel `n`."""
        return self.reg(CHANNEL0 + n)

    def _w_user(self, a: int, v: int) -> None:
        if v:
            name = self.data.names.get(a, f"0x{a:04x}")
            if self.data.strict:
                raise Unsupported(f"{name}: event users are not modelled", self.mcu.pc)
            self.data.warnings.append(f"{name} = 0x{v:02x}: event users are not modelled")
        self.mem[a] = v
