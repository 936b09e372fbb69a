"""AVRxt instruction decoder: one 16-bit opcode (plus the next word for 2-word instructions) to an
`Instr` with its mnemonic and operands. The ATtiny824 has no ELPM/EIJMP/EICALL/SPM/DES/XCH/LAx;
those and every unassigned pattern decode to `None` (the CPU raises `AvrFault` when executing one).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Instr:
    name: str  # lower-case mnemonic in the form the translator understands
    d: int = 0  # destination register / bit / flag
    r: int = 0  # source register
    k: int = 0  # immediate, address, displacement, or target
    b: int = 0  # bit number
    words: int = 1


def is_two_word(op: int) -> bool:
    """LDS, STS, JMP, CALL take a second word (needed to size skips)."""
    return (op & 0xFC0F) == 0x9000 or (op & 0xFE0C) == 0x940C


def _rd5(op: int) -> int:
    return (op >> 4) & 0x1F


def _rr5(op: int) -> int:
    return ((op >> 5) & 0x10) | (op & 0x0F)


def _k8(op: int) -> int:
    return ((op >> 4) & 0xF0) | (op & 0x0F)


_ALU2 = {
    0x0400: "cpc", 0x0800: "sbc", 0x0C00: "add", 0x1000: "cpse", 0x1400: "cp", 0x1800: "sub",
    0x1C00: "adc", 0x2000: "and", 0x2400: "eor", 0x2800: "or", 0x2C00: "mov", 0x9C00: "mul",
}
_IMM = {0x3000: "cpi", 0x4000: "sbci", 0x5000: "subi", 0x6000: "ori", 0x7000: "andi", 0xE000: "ldi"}
_ONE = {0x0: "com", 0x1: "neg", 0x2: "swap", 0x3: "inc", 0x5: "asr", 0x6: "lsr", 0x7: "ror", 0xA: "dec"}
# LD/ST (1001 00xd dddd mmmm) modes: (pointer, post-increment, pre-decrement)
_LDST_MODE = {
    0x1: ("Z", 1, 0), 0x2: ("Z", 0, 1), 0x9: ("Y", 1, 0), 0xA: ("Y", 0, 1),
    0xC: ("X", 0, 0), 0xD: ("X", 1, 0), 0xE: ("X", 0, 1),
}
_FIXED = {
    0x0000: "nop", 0x9508: "ret", 0x9518: "reti", 0x9588: "sleep", 0x9598: "break", 0x95A8: "wdr",
    0x95C8: "lpm_r0", 0x9409: "ijmp", 0x9509: "icall",
}


def decode(op: int, op2: int = 0) -> Instr | None:
    top = op & 0xFC00
    if op in _FIXED:
        return Instr(_FIXED[op])
    if top in _ALU2:
        return Instr(_ALU2[top], d=_rd5(op), r=_rr5(op))
    top4 = op & 0xF000
    if top4 in _IMM:
        return Instr(_IMM[top4], d=16 + ((op >> 4) & 0xF), k=_k8(op))
    hi8 = op & 0xFF00
    if hi8 == 0x0100:
        return Instr("movw", d=((op >> 4) & 0xF) * 2, r=(op & 0xF) * 2)
    if hi8 == 0x0200:
        return Instr("muls", d=16 + ((op >> 4) & 0xF), r=16 + (op & 0xF))
    if hi8 == 0x0300:
        kind = ((op >> 6) & 2) | ((op >> 3) & 1)
        return Instr(("mulsu", "fmul", "fmuls", "fmulsu")[kind], d=16 + ((op >> 4) & 7), r=16 + (op & 7))
    if (op & 0xD000) == 0x8000:  # LDD/STD with displacement (q = 0 is plain LD/ST Y or Z)
        q = ((op >> 8) & 0x20) | ((op >> 7) & 0x18) | (op & 7)
        ptr = "Y" if op & 0x8 else "Z"
        name = "std" if op & 0x0200 else "ldd"
        return Instr(name, d=_rd5(op), k=q, r=ord(ptr))
    if (op & 0xFC00) == 0x9000:
        store = bool(op & 0x0200)
        mode = op & 0xF
        d = _rd5(op)
        if mode == 0x0:
            return Instr("sts" if store else "lds", d=d, k=op2, words=2)
        if mode == 0xF:
            return Instr("push" if store else "pop", d=d)
        if mode in _LDST_MODE:
            ptr, inc, dec = _LDST_MODE[mode]
            suffix = "_inc" if inc else "_dec" if dec else ""
            return Instr(("st" if store else "ld") + suffix, d=d, r=ord(ptr))
        if not store and mode in (0x4, 0x5):
            return Instr("lpm_inc" if mode == 5 else "lpm", d=d)
        return None  # ELPM, XCH, LAS, LAC, LAT: not on this core
    if (op & 0xFE00) == 0x9400:
        low = op & 0xF
        if low in _ONE and low != 0x4:
            return Instr(_ONE[low], d=_rd5(op))
        if low in (0xC, 0xD, 0xE, 0xF):
            target = (((op >> 3) & 0x3E) | (op & 1)) << 16 | op2
            return Instr("jmp" if low < 0xE else "call", k=target, words=2)
        if low == 0x8 and (op & 0xFF00) == 0x9400:
            s = (op >> 4) & 7
            return Instr("bclr" if op & 0x80 else "bset", d=s)
        return None
    if hi8 == 0x9600:
        return Instr("adiw", d=24 + ((op >> 3) & 6), k=((op >> 2) & 0x30) | (op & 0xF))
    if hi8 == 0x9700:
        return Instr("sbiw", d=24 + ((op >> 3) & 6), k=((op >> 2) & 0x30) | (op & 0xF))
    if (op & 0xFC00) == 0x9800:
        name = ("cbi", "sbic", "sbi", "sbis")[(op >> 8) & 3]
        return Instr(name, k=(op >> 3) & 0x1F, b=op & 7)
    if (op & 0xF800) == 0xB000:
        return Instr("in", d=_rd5(op), k=((op >> 5) & 0x30) | (op & 0xF))
    if (op & 0xF800) == 0xB800:
        return Instr("out", d=_rd5(op), k=((op >> 5) & 0x30) | (op & 0xF))
    if top4 in (0xC000, 0xD000):
        k = op & 0xFFF
        if k & 0x800:
            k -= 0x1000
        return Instr("rjmp" if top4 == 0xC000 else "rcall", k=k)
    if (op & 0xF800) == 0xF000:
        k = (op >> 3) & 0x7F
        if k & 0x40:
            k -= 0x80
        return Instr("brbc" if op & 0x0400 else "brbs", d=op & 7, k=k)
    if (op & 0xFC08) == 0xF800:
        return Instr("bst" if op & 0x0200 else "bld", d=_rd5(op), b=op & 7)
    if (op & 0xFC08) == 0xFC00:
        return Instr("sbrs" if op & 0x0200 else "sbrc", d=_rd5(op), b=op & 7)
    return None
