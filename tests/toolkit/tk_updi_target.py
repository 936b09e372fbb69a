"""A UPDI target on a pty: enough of an ATtiny824's UPDI, ASI and NVM controller (P:0) for pymcuprog's
serialUPDI driver to connect, identify, erase, program and read it back.

It is a device model, not a recording: it decodes each UPDI instruction from the byte stream, echoes
every byte as the one-wire UPDI line does, and keeps flash, EEPROM and fuses with the NVM rules that
matter for a programmer (flash bits only go 1 -> 0 without an erase; writes go through the page buffer
and take effect on an NVM command). Addresses and commands are the datasheet's.
"""

from __future__ import annotations

import os
import pty
import select
import termios
import threading
import tty

SYNC, ACK = 0x55, 0x40
SIB = b"tinyAVR P:0D:0-3M2 (01.59B14.0)\x00"  # 32 bytes: family, NVM version 0, OCD, oscillator
SYSCFG, NVMCTRL, SIGROW, FUSES, EEPROM, FLASH = 0x0F00, 0x1000, 0x1100, 0x1280, 0x1400, 0x8000
FLASH_SIZE, FLASH_PAGE, EEPROM_SIZE = 0x2000, 64, 128
KEY_NVMPROG, KEY_CHIPERASE = b"NVMProg ", b"NVMErase"


OPEN_TARGETS: dict[str, UpdiTarget] = {}


class Stopped(Exception):
    pass


class UpdiTarget:
    def __init__(self, signature: bytes = bytes([0x1E, 0x93, 0x29]), flash_stuck_bits: int = 0,
                 locked: bool = False) -> None:
        self.signature = signature
        self.locked = locked  # lock bits set: NVM programming mode is refused until a chip erase
        self.flash = bytearray(b"\xff" * FLASH_SIZE)
        self.eeprom = bytearray(b"\xff" * EEPROM_SIZE)
        self.fuses = bytearray(b"\x00" * 9)
        self.stuck = flash_stuck_bits  # bits that never program to 0 (a worn cell): verify must catch it
        self.cs = {0x00: 0x30, 0x01: 0, 0x02: 0, 0x03: 0, 0x07: 0}  # STATUSA: UPDI revision 3
        self.keys: set[bytes] = set()
        self.prog_mode = False
        self.in_reset = False
        self.page_buffer: dict[int, int] = {}
        self.nvm_addr = 0
        self.nvm_data = 0
        self.pointer = 0
        self.repeat = 0
        self.commands: list[int] = []
        master, slave = pty.openpty()
        tty.setraw(slave)
        tty.setraw(master)
        self.master, self.slave = master, slave
        self.port = os.ttyname(slave)
        self._line_settings = termios.tcgetattr(slave)
        OPEN_TARGETS[self.port] = self
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    # -- plumbing ------------------------------------------------------------------------------------
    def __enter__(self) -> UpdiTarget:
        self._thread.start()
        return self

    def reset_line(self) -> None:
        """Undo the previous session's line settings. A Linux pty rejects any further tcsetattr once
        even parity is set (a USB-UART does not), so each new pyserial open needs a clean line."""
        termios.tcsetattr(self.slave, termios.TCSANOW, self._line_settings)

    def __exit__(self, *exc: object) -> None:
        OPEN_TARGETS.pop(self.port, None)
        self._stop.set()
        self._thread.join(timeout=5)
        os.close(self.master)
        os.close(self.slave)

    def _get(self) -> int:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if ready:
                byte = os.read(self.master, 1)
                if byte:
                    os.write(self.master, byte)  # one-wire line: the host hears its own byte
                    return byte[0]
        raise Stopped

    def _get_n(self, n: int) -> list[int]:
        return [self._get() for _ in range(n)]

    def _send(self, data: bytes | list[int]) -> None:
        os.write(self.master, bytes(data))

    def _serve(self) -> None:
        try:
            while True:
                if self._get() == SYNC:
                    self._instruction(self._get())
        except (Stopped, OSError):
            return

    # -- UPDI instruction set ------------------------------------------------------------------------
    def _instruction(self, op: int) -> None:
        family = op & 0xE0
        if family == 0x80:  # LDCS
            self._send([self._ldcs(op & 0x0F)])
        elif family == 0xC0:  # STCS
            self._stcs(op & 0x0F, self._get())
        elif family == 0xA0:  # REPEAT (byte count)
            self.repeat = self._get()
        elif family == 0xE0:  # KEY or SIB
            if op & 0x04:
                self._send(SIB)
            else:
                key = bytes(reversed(self._get_n(8 << (op & 0x03))))
                self.keys.add(key)
                if key == KEY_NVMPROG:
                    self.cs[0x07] |= 1 << 4
                if key == KEY_CHIPERASE:
                    self.cs[0x07] |= 1 << 3
        elif family in (0x00, 0x40):  # LDS / STS
            address = int.from_bytes(bytes(self._get_n(1 + ((op >> 2) & 0x03))), "little")
            size = 1 + (op & 0x03)
            if family == 0x00:
                self._send([self._read(address + i) for i in range(size)])
            else:
                self._send([ACK])
                for i, value in enumerate(self._get_n(size)):
                    self._write(address + i, value)
                self._send([ACK])
        elif family == 0x20:  # LD *ptr / *ptr++
            size = 1 + (op & 0x03)
            for _ in range(self.repeat + 1):
                self._send([self._read(self.pointer + i) for i in range(size)])
                if (op >> 2) & 0x03 == 1:
                    self.pointer += size
            self.repeat = 0
        elif family == 0x60:  # ST ptr / *ptr / *ptr++
            mode = (op >> 2) & 0x03
            if mode == 2:
                self.pointer = int.from_bytes(bytes(self._get_n(1 + (op & 0x03))), "little")
                self._send([ACK])
                return
            size = 1 + (op & 0x03)
            acks = not self.cs[0x02] & (1 << 3)  # CTRLA.RSD suppresses the response signature
            for _ in range(self.repeat + 1):
                for i, value in enumerate(self._get_n(size)):
                    self._write(self.pointer + i, value)
                if mode == 1:
                    self.pointer += size
                if acks:
                    self._send([ACK])
            self.repeat = 0

    def _ldcs(self, address: int) -> int:
        if address == 0x0B:  # ASI_SYS_STATUS: LOCKSTATUS bit 0, NVMPROG bit 3
            return (1 << 3 if self.prog_mode else 0) | (1 if self.locked else 0)
        return self.cs.get(address, 0)

    def _stcs(self, address: int, value: int) -> None:
        if address == 0x08:  # ASI_RESET_REQ
            if value == 0x59:
                self.in_reset = True
            elif self.in_reset:
                self.in_reset = False
                if KEY_NVMPROG in self.keys and not self.locked:
                    self.prog_mode = True
            return
        if address == 0x03 and value & (1 << 2):  # CTRLB.UPDIDIS: leave, drop keys
            self.prog_mode = False
            self.keys.clear()
            self.cs[0x07] = 0
            return
        self.cs[address] = value

    # -- data space ----------------------------------------------------------------------------------
    def _read(self, address: int) -> int:
        if FLASH <= address < FLASH + FLASH_SIZE:
            return self.flash[address - FLASH] if self.prog_mode else 0xFF
        if EEPROM <= address < EEPROM + EEPROM_SIZE:
            return self.eeprom[address - EEPROM]
        if SIGROW <= address < SIGROW + 3:
            return self.signature[address - SIGROW]
        if SIGROW + 3 <= address < SIGROW + 0x40:
            return (address * 7) & 0xFF  # serial number bytes
        if FUSES <= address < FUSES + len(self.fuses):
            return self.fuses[address - FUSES]
        if address == SYSCFG + 1:
            return 0x01  # silicon revision
        if address == NVMCTRL + 2:
            return 0x00  # STATUS: never busy, no write error
        return 0x00

    def _write(self, address: int, value: int) -> None:
        if not self.prog_mode:
            return
        if FLASH <= address < FLASH + FLASH_SIZE or EEPROM <= address < EEPROM + EEPROM_SIZE:
            self.page_buffer[address] = value
        elif address == NVMCTRL:
            self._nvm_command(value)
        elif address in (NVMCTRL + 6, NVMCTRL + 7):
            shift = 8 * (address - NVMCTRL - 6)
            self.nvm_data = (self.nvm_data & ~(0xFF << shift)) | (value << shift)
        elif address in (NVMCTRL + 8, NVMCTRL + 9):
            shift = 8 * (address - NVMCTRL - 8)
            self.nvm_addr = (self.nvm_addr & ~(0xFF << shift)) | (value << shift)

    def _nvm_command(self, command: int) -> None:
        self.commands.append(command)
        buffered, self.page_buffer = self.page_buffer, ({} if command in (1, 2, 3, 4) else self.page_buffer)
        if command in (2, 3):  # erase page / erase-write page: the pages (flash) or bytes (EEPROM) touched
            for address in buffered:
                if FLASH <= address < FLASH + FLASH_SIZE:
                    page = (address - FLASH) // FLASH_PAGE * FLASH_PAGE
                    self.flash[page: page + FLASH_PAGE] = b"\xff" * FLASH_PAGE
                else:
                    self.eeprom[address - EEPROM] = 0xFF
        if command in (1, 3):  # write page: programming only clears bits
            for address, value in buffered.items():
                if FLASH <= address < FLASH + FLASH_SIZE:
                    self.flash[address - FLASH] &= value | self.stuck
                else:
                    self.eeprom[address - EEPROM] &= value
        elif command == 5:  # chip erase
            self.flash[:] = b"\xff" * FLASH_SIZE
            self.eeprom[:] = b"\xff" * EEPROM_SIZE
        elif command == 6:  # erase EEPROM
            self.eeprom[:] = b"\xff" * EEPROM_SIZE
        elif command == 7 and FUSES <= self.nvm_addr < FUSES + len(self.fuses):  # write fuse
            self.fuses[self.nvm_addr - FUSES] = self.nvm_data & 0xFF
