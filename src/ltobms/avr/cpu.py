"""The AVRxt core: registers, SREG, SP, the program, and the loop that runs translated blocks.

Registers R0–R31 are a list of ints (not in the data space on AVRxt). `sreg` and `sp` are plain
ints; the data-space hooks at 0x3D–0x3F read and write them. Execution is by translated blocks (see
`translator.py`); when a peripheral event falls inside the next block, the CPU runs that stretch one
instruction at a time so the event happens between the right two instructions.
"""

from __future__ import annotations

import hashlib
from collections import deque
from typing import TYPE_CHECKING

from ltobms.avr import routines
from ltobms.avr.errors import AvrFault
from ltobms.avr.translator import MAX_LEN, Block, Translator

CHAIN_BLOCKS = 8  # blocks translated into one chained function (see translator.py)
# A block is first translated alone; after this many runs from the CPU loop it is translated again
# with its successors (chains cost several times as much to compile, and most code runs rarely).
HOT_RUNS = 64

if TYPE_CHECKING:  # pragma: no cover
    from ltobms.avr.mcu import Mcu

# Interrupt response: the PC is pushed (2 bytes) and the vector fetched — 2 cycles on AVRxt, then the
# vector's JMP (3 cycles) runs as an ordinary instruction.
IRQ_RESPONSE_CYCLES = 2


class BreakHit(Exception):
    """A BREAK instruction ran while `Mcu.stop_on_break` was set."""


class Cpu:
    def __init__(self, mcu: Mcu) -> None:
        self.mcu = mcu
        self.sched = mcu.sched
        self.mem = mcu.data.mem
        self.rhook = mcu.data.rhook
        self.whook = mcu.data.whook
        self.r: list[int] = [0] * 32
        self.pc = 0
        self.sp = 0x3FFF
        self.sreg = 0
        self.instructions = 0
        self.inow = 0  # index of the instruction doing a hooked access (CCP windows count these)
        self.irq_hold = False  # after SEI/RETI one more instruction runs before an interrupt
        self.flash_words: list[int] = []
        self.flash_bytes = b""
        self.flash_key = b""
        self.natives: frozenset[int] = frozenset()
        self.translator = Translator(self)
        self._blocks: list[Block | None] = []
        self._singles: list[Block | None] = []
        self.max_block = MAX_LEN  # longest block; 1 = single steps only (tests cross-check with it)
        self.chain = True  # translated blocks may continue into their successors (see translator.py)
        self.trace: deque[int] = deque(maxlen=64)  # recent block-entry PCs, for fault reports

    # --- program --------------------------------------------------------------------------------
    def load_flash(self, image: bytes) -> None:
        if len(image) % 2:
            image = image + b"\xff"
        self.flash_bytes = bytes(image)
        self.flash_words = [image[i] | (image[i + 1] << 8) for i in range(0, len(image), 2)]
        self.flash_key = hashlib.blake2b(self.flash_bytes, digest_size=16).digest()  # translation cache
        self.natives = frozenset(routines.find(self.flash_bytes))  # library routines run natively
        self.invalidate()

    def invalidate(self) -> None:
        """Forget translations (the flash changed)."""
        n = len(self.flash_words) + 2
        self._blocks = [None] * n
        self._singles = [None] * n

    def block(self, pc: int, single: bool = False) -> Block:
        table = self._singles if single else self._blocks
        if pc >= len(table):
            return self.translator.build(pc, 1)
        blk = table[pc]
        if blk is None:
            blk = self.translator.build(pc, 1 if single else self.max_block)
            if self.chain and not single:
                if pc in self.natives:
                    blk.fn = routines.udivmodsi4(self, blk.fn)
                else:
                    blk.heat = HOT_RUNS
            table[pc] = blk
        return blk

    def reset(self) -> None:
        self.r[:] = [0] * 32  # in place: translated blocks hold this list
        self.pc = 0
        self.sp = 0x3FFF
        self.sreg = 0
        self.irq_hold = False

    # --- helpers the generated code calls ----------------------------------------------------------
    def push_pc(self, pc: int) -> None:
        sp = self.sp
        mem, rh = self.mem, self.rhook
        if rh[sp] is not None or rh[sp - 1] is not None:
            self.stack_fault(sp)
        mem[sp] = pc & 0xFF
        mem[sp - 1] = (pc >> 8) & 0xFF
        self.sp = sp - 2

    def pop_pc(self) -> int:
        sp = self.sp
        if self.rhook[sp + 1] is not None or self.rhook[(sp + 2) & 0xFFFF] is not None:
            self.stack_fault(sp + 1)
        self.sp = sp + 2
        return (self.mem[sp + 1] << 8) | self.mem[sp + 2]

    def stack_fault(self, address: int) -> None:
        raise self.fault(f"stack access outside SRAM at 0x{address:04x} (SP=0x{self.sp:04x})")

    def lpm_fault(self, z: int, pc: int) -> int:
        self.pc = pc
        raise self.fault(f"LPM beyond the end of flash (Z=0x{z:04x})")

    def undefined(self, pc: int, op: int) -> AvrFault:
        self.pc = pc
        return self.fault(f"undefined or unsupported opcode 0x{op:04x}")

    def fault(self, message: str) -> AvrFault:
        return AvrFault(message, self.pc, self.trace_text())

    def trace_text(self) -> str:
        if not self.trace:
            return ""
        pcs = " ".join(f"{p * 2:04x}" for p in list(self.trace)[-16:])
        return f"recent block entries (byte addresses): {pcs}"

    def reti(self) -> None:
        self.mcu.cpuint.reti()
        self.irq_hold = True

    def sleep(self) -> None:
        self.mcu.enter_sleep()

    def wdr(self) -> None:
        self.mcu.wdr()

    def break_(self, pc: int, nxt: int) -> int:
        self.mcu.on_break(pc)
        return nxt

    # --- running --------------------------------------------------------------------------------
    def run(self, end_cycle: int) -> None:
        """Execute until `sched.cycles >= end_cycle` or `mcu.stop` is set."""
        sc = self.sched
        mcu = self.mcu
        cpuint = mcu.cpuint
        blocks = self._blocks
        trace = self.trace
        pc = self.pc
        try:
            while True:
                cycles = sc.cycles
                if cycles >= end_cycle or mcu.stop:
                    break
                nxt = sc.next_cycle
                if cycles >= nxt:
                    self.pc = pc
                    sc.run_due()
                    pc = self.pc  # an event may have reset the chip
                    blocks = self._blocks
                    continue
                if mcu.sleep_mode is not None:
                    if cpuint.lines and mcu.wake_allowed():
                        mcu.wake()
                        continue
                    sc.cycles = nxt if nxt < end_cycle else end_cycle
                    continue
                lines = cpuint.lines
                hold = self.irq_hold
                if lines and not hold and (self.sreg & 0x80 or cpuint.nmi_pending()):
                    vec = cpuint.take()
                    if vec is not None:
                        self.pc = pc
                        self.push_pc(pc)
                        sc.cycles += IRQ_RESPONSE_CYCLES
                        pc = cpuint.vector_address(vec)
                        continue
                if hold:
                    self.irq_hold = False
                try:
                    blk = blocks[pc]
                except IndexError:  # beyond the flash: block() builds one that faults
                    blk = None
                if blk is None:
                    self.pc = pc
                    blk = self.block(pc)
                    blocks = self._blocks
                if blk.heat:
                    blk.heat -= 1
                    if not blk.heat and pc < len(blocks):
                        blk = blocks[pc] = self.translator.build(pc, self.max_block, CHAIN_BLOCKS)
                # A block runs whole only if it ends before the next event and the run's end, and
                # not while an interrupt waits for the one instruction after SEI/RETI.
                lim = nxt if nxt <= end_cycle else end_cycle + 1
                if cycles + blk.max_cycles >= lim or (hold and lines):
                    blk = self.block(pc, single=True)
                trace.append(pc)
                # Chained blocks go on only while no interrupt is pending (lim = 0: stop after one).
                pc = blk.fn(0 if lines and (self.sreg & 0x80 or cpuint.nmi_pending()) else lim)
        finally:
            self.pc = pc
