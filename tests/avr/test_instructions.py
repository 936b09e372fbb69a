"""Every AVRxt instruction the ATtiny824 has: results, SREG flags and cycle counts.

Programs are assembled with the project's avr-gcc and run on the emulator. Flags are checked against
a reference written from the bit equations of the AVR Instruction Set Manual (a different formulation
from the translator's arithmetic), over edge-case and seeded random operands with a random SREG
(flags an instruction does not touch must keep their value). Cycle counts are the manual's AVRxt
column.
"""

from __future__ import annotations

import random

import pytest
from avr_build import Builder, Runner, run_to_break

from ltobms.avr.errors import AvrFault
from ltobms.avr.translator import Translator

C, Z, N, V, S, H, T, I = range(8)
EDGES = (0x00, 0x01, 0x0F, 0x10, 0x7F, 0x80, 0x81, 0xFE, 0xFF)
RNG_SEED = 824


def bit(x: int, n: int) -> int:
    return (x >> n) & 1


def operand_pairs(n_random: int = 24) -> list[tuple[int, int, int]]:
    """(a, b, sreg) triples: every edge pair plus seeded random ones."""
    rng = random.Random(RNG_SEED)
    out = [(a, b, rng.randrange(256)) for a in EDGES for b in EDGES]
    out += [(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(n_random)]
    return out


# --- reference: the manual's equations --------------------------------------------------------------
def ref_add(a: int, b: int, cin: int) -> tuple[int, dict[int, int]]:
    r = (a + b + cin) & 0xFF
    a3, b3, r3, a7, b7, r7 = bit(a, 3), bit(b, 3), bit(r, 3), bit(a, 7), bit(b, 7), bit(r, 7)
    h = (a3 & b3) | (b3 & (1 - r3)) | ((1 - r3) & a3)
    v = (a7 & b7 & (1 - r7)) | ((1 - a7) & (1 - b7) & r7)
    c = (a7 & b7) | (b7 & (1 - r7)) | ((1 - r7) & a7)
    return r, {H: h, V: v, N: r7, S: r7 ^ v, Z: int(r == 0), C: c}


def ref_sub(a: int, b: int, cin: int, zin: int | None) -> tuple[int, dict[int, int]]:
    """SUB/CP (zin None) and SBC/CPC (Z stays set only if it was set and the result is zero)."""
    r = (a - b - cin) & 0xFF
    a3, b3, r3, a7, b7, r7 = bit(a, 3), bit(b, 3), bit(r, 3), bit(a, 7), bit(b, 7), bit(r, 7)
    h = ((1 - a3) & b3) | (b3 & r3) | (r3 & (1 - a3))
    v = (a7 & (1 - b7) & (1 - r7)) | ((1 - a7) & b7 & r7)
    c = ((1 - a7) & b7) | (b7 & r7) | (r7 & (1 - a7))
    z = int(r == 0) if zin is None else int(r == 0) & zin
    return r, {H: h, V: v, N: r7, S: r7 ^ v, Z: z, C: c}


def ref_logic(r: int) -> dict[int, int]:
    return {V: 0, N: bit(r, 7), S: bit(r, 7), Z: int(r == 0)}


def ref_shift(r: int, c: int) -> dict[int, int]:
    n = bit(r, 7)
    return {C: c, N: n, V: n ^ c, S: n ^ (n ^ c), Z: int(r == 0)}


def ref_one(name: str, a: int, sreg: int) -> tuple[int, dict[int, int]]:
    if name == "com":
        r = 0xFF - a
        return r, {**ref_logic(r), C: 1}
    if name == "neg":
        r = (-a) & 0xFF
        v = int(r == 0x80)
        return r, {H: bit(r, 3) | bit(a, 3), V: v, N: bit(r, 7), S: bit(r, 7) ^ v, Z: int(r == 0),
                   C: int(r != 0)}
    if name in ("inc", "dec"):
        r = (a + (1 if name == "inc" else -1)) & 0xFF
        v = int(r == (0x80 if name == "inc" else 0x7F))
        return r, {V: v, N: bit(r, 7), S: bit(r, 7) ^ v, Z: int(r == 0)}
    if name == "lsr":
        r = a >> 1
        return r, ref_shift(r, a & 1)
    if name == "asr":
        r = (a >> 1) | (a & 0x80)
        return r, ref_shift(r, a & 1)
    if name == "ror":
        r = (a >> 1) | (bit(sreg, C) << 7)
        return r, ref_shift(r, a & 1)
    if name == "swap":
        return ((a << 4) | (a >> 4)) & 0xFF, {}
    raise AssertionError(name)


def ref_two(name: str, a: int, b: int, sreg: int) -> tuple[int | None, dict[int, int]]:
    """(new Rd or None when Rd is unchanged, flags)."""
    c, z = bit(sreg, C), bit(sreg, Z)
    if name in ("add", "adc"):
        return ref_add(a, b, c if name == "adc" else 0)
    if name in ("sub", "subi", "cp", "cpi"):
        r, f = ref_sub(a, b, 0, None)
        return (None if name.startswith("cp") else r), f
    if name in ("sbc", "sbci", "cpc"):
        r, f = ref_sub(a, b, c, z)
        return (None if name == "cpc" else r), f
    if name in ("and", "andi"):
        return a & b, ref_logic(a & b)
    if name in ("or", "ori"):
        return a | b, ref_logic(a | b)
    if name == "eor":
        return a ^ b, ref_logic(a ^ b)
    if name == "mov":
        return b, {}
    raise AssertionError(name)


def signed8(x: int) -> int:
    return x - 256 if x & 0x80 else x


def ref_mul(name: str, a: int, b: int) -> tuple[int, dict[int, int]]:
    x = signed8(a) if name in ("muls", "mulsu", "fmuls", "fmulsu") else a
    y = signed8(b) if name in ("muls", "fmuls") else b
    p = (x * y) & 0xFFFF
    if name.startswith("f"):
        r = (p << 1) & 0xFFFF
        return r, {C: bit(p, 15), Z: int(r == 0)}
    return p, {C: bit(p, 15), Z: int(p == 0)}


def expect_sreg(sreg: int, flags: dict[int, int]) -> int:
    for f, v in flags.items():
        sreg = (sreg & ~(1 << f)) | (v << f)
    return sreg


def fmt_sreg(s: int) -> str:
    return "".join(ch if s >> i & 1 else "-" for i, ch in reversed(list(enumerate("CZNVSHTI"))))


# --- arithmetic and logic ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["add", "adc", "sub", "sbc", "and", "or", "eor", "cp", "cpc", "mov"])
def test_two_register_alu(run, name: str) -> None:
    for a, b, sreg in operand_pairs():
        mcu, cycles = run(f"{name} r5, r20\nbreak", {5: a, 20: b}, sreg)
        r, flags = ref_two(name, a, b, sreg)
        want = expect_sreg(sreg, flags)
        ctx = f"{name} {a:#04x},{b:#04x} sreg {fmt_sreg(sreg)}"
        assert mcu.cpu.r[5] == (a if r is None else r), ctx
        assert mcu.cpu.r[20] == b, ctx
        assert fmt_sreg(mcu.cpu.sreg) == fmt_sreg(want), ctx
        assert cycles == 1


def test_same_register_operands(run) -> None:
    # ADD Rd,Rd is LSL and ADC Rd,Rd is ROL: both operands are the one register.
    for a in EDGES:
        for name in ("add", "adc", "eor", "sub"):
            sreg = 0x01
            mcu, _ = run(f"{name} r7, r7\nbreak", {7: a}, sreg)
            r, flags = ref_two(name, a, a, sreg)
            assert mcu.cpu.r[7] == r and mcu.cpu.sreg == expect_sreg(sreg, flags), (name, a)


@pytest.mark.parametrize("name", ["subi", "sbci", "andi", "ori", "cpi", "ldi"])
def test_immediate_alu(run, name: str) -> None:
    ks = (0x00, 0x01, 0x0F, 0x10, 0x7F, 0x80, 0xFF, 0x5A)
    body = "\n".join(f"k{i}: {name} r23, {k}\nbreak" for i, k in enumerate(ks))
    for i, k in enumerate(ks):
        for a, _, sreg in operand_pairs(8)[::3]:
            mcu, cycles = run(body, {23: a}, sreg, start=f"k{i}")
            if name == "ldi":
                r, flags = k, {}
            else:
                r, flags = ref_two(name, a, k, sreg)
            ctx = f"{name} {a:#04x},{k:#04x} sreg {fmt_sreg(sreg)}"
            assert mcu.cpu.r[23] == (a if r is None else r), ctx
            assert fmt_sreg(mcu.cpu.sreg) == fmt_sreg(expect_sreg(sreg, flags)), ctx
            assert cycles == 1


@pytest.mark.parametrize("name", ["com", "neg", "inc", "dec", "lsr", "asr", "ror", "swap"])
def test_one_register_alu(run, name: str) -> None:
    rng = random.Random(RNG_SEED)
    for a in list(range(256)):
        sreg = rng.randrange(256)
        mcu, cycles = run(f"{name} r9\nbreak", {9: a}, sreg)
        r, flags = ref_one(name, a, sreg)
        ctx = f"{name} {a:#04x} sreg {fmt_sreg(sreg)}"
        assert mcu.cpu.r[9] == r, ctx
        assert fmt_sreg(mcu.cpu.sreg) == fmt_sreg(expect_sreg(sreg, flags)), ctx
        assert cycles == 1


@pytest.mark.parametrize("name", ["adiw", "sbiw"])
def test_word_immediate(run, name: str) -> None:
    ks = (0, 1, 31, 63)
    pairs = (24, 26, 28, 30)
    body = "\n".join(f"k{i}_{p}: {name} r{p}, {k}\nbreak" for i, k in enumerate(ks) for p in pairs)
    words = (0x0000, 0x0001, 0x003F, 0x7FFF, 0x8000, 0x8001, 0xFFFF, 0xFFC1, 0x1234)
    rng = random.Random(RNG_SEED)
    for i, k in enumerate(ks):
        for p in pairs:
            for x in words:
                sreg = rng.randrange(256)
                mcu, cycles = run(body, {p: x & 0xFF, p + 1: x >> 8}, sreg, start=f"k{i}_{p}")
                r = (x + k if name == "adiw" else x - k) & 0xFFFF
                h7, r15 = bit(x, 15), bit(r, 15)
                if name == "adiw":
                    v, c = (1 - h7) & r15, (1 - r15) & h7
                else:
                    v, c = h7 & (1 - r15), r15 & (1 - h7)
                flags = {V: v, N: r15, S: r15 ^ v, Z: int(r == 0), C: c}
                ctx = f"{name} r{p}, {k} on {x:#06x}"
                assert mcu.cpu.r[p] | (mcu.cpu.r[p + 1] << 8) == r, ctx
                assert fmt_sreg(mcu.cpu.sreg) == fmt_sreg(expect_sreg(sreg, flags)), ctx
                assert cycles == 2


@pytest.mark.parametrize("name", ["mul", "muls", "mulsu", "fmul", "fmuls", "fmulsu"])
def test_multiply(run, name: str) -> None:
    for a, b, sreg in operand_pairs():
        mcu, cycles = run(f"{name} r17, r22\nbreak", {17: a, 22: b, 0: 0x55, 1: 0xAA}, sreg)
        r, flags = ref_mul(name, a, b)
        ctx = f"{name} {a:#04x},{b:#04x}"
        assert mcu.cpu.r[0] | (mcu.cpu.r[1] << 8) == r, ctx
        assert (mcu.cpu.r[17], mcu.cpu.r[22]) == (a, b), ctx
        assert fmt_sreg(mcu.cpu.sreg) == fmt_sreg(expect_sreg(sreg, flags)), ctx
        assert cycles == 2


def test_mul_into_its_own_operands(run) -> None:
    # MUL r0, r1 overwrites its operands with the product.
    mcu, _ = run("mul r0, r1\nbreak", {0: 200, 1: 100})
    assert mcu.cpu.r[0] | (mcu.cpu.r[1] << 8) == 20000


def test_movw(run) -> None:
    mcu, cycles = run("movw r2, r30\nbreak", {30: 0x34, 31: 0x12, 2: 0, 3: 0}, 0xA5)
    assert mcu.cpu.r[2:4] == [0x34, 0x12] and mcu.cpu.sreg == 0xA5 and cycles == 1


# --- SREG bit instructions --------------------------------------------------------------------------
@pytest.mark.parametrize("flag", range(8))
def test_bset_bclr(run, flag: int) -> None:
    body = f"bset {flag}\nbreak\nclr_it: bclr {flag}\nbreak"
    mcu, cycles = run(body, sreg=0)
    assert mcu.cpu.sreg == 1 << flag and cycles == 1
    mcu, cycles = run(body, sreg=0xFF, start="clr_it")
    assert mcu.cpu.sreg == 0xFF ^ (1 << flag) and cycles == 1


def test_named_flag_aliases(run) -> None:
    mcu, _ = run("sec\nsez\nsen\nsev\nses\nseh\nset\nsei\nbreak")
    assert mcu.cpu.sreg == 0xFF
    mcu, _ = run("clc\nclz\ncln\nclv\ncls\nclh\nclt\ncli\nbreak", sreg=0xFF)
    assert mcu.cpu.sreg == 0


def test_bst_bld(run) -> None:
    for b in range(8):
        body = f"bst r4, {b}\nbld r5, {7 - b}\nbreak"
        mcu, cycles = run(body, {4: 1 << b, 5: 0x00}, sreg=0)
        assert mcu.cpu.sreg == 1 << T and mcu.cpu.r[5] == 1 << (7 - b) and cycles == 2
        mcu, _ = run(body, {4: 0xFF ^ (1 << b), 5: 0xFF}, sreg=0xFF)
        assert mcu.cpu.sreg == 0xFF ^ (1 << T) and mcu.cpu.r[5] == 0xFF ^ (1 << (7 - b))


# --- data transfer ---------------------------------------------------------------------------------
SRAM = 0x3C00


def test_lds_sts(run) -> None:
    mcu, cycles = run(f"lds r12, {SRAM + 5}\nbreak",
                      setup=lambda m: m.data.poke(SRAM + 5, b"\x9c"))
    assert mcu.cpu.r[12] == 0x9C and cycles == 3
    mcu, cycles = run(f"sts {SRAM + 7}, r13\nbreak", {13: 0x42})
    assert mcu.data.peek(SRAM + 7)[0] == 0x42 and cycles == 2


POINTERS = {"X": 26, "Y": 28, "Z": 30}


@pytest.mark.parametrize("ptr", ["X", "Y", "Z"])
@pytest.mark.parametrize("mode", ["", "+", "-"])
def test_ld_st_pointer_modes(run, ptr: str, mode: str) -> None:
    lo = POINTERS[ptr]
    base = SRAM + 0x40
    operand = {"": ptr, "+": f"{ptr}+", "-": f"-{ptr}"}[mode]
    accessed = base - 1 if mode == "-" else base
    after = {"": base, "+": base + 1, "-": base - 1}[mode]

    def seed(m) -> None:  # noqa: ANN001
        m.data.poke(base - 1, b"\x11\x22\x33")

    mcu, cycles = run(f"ld r3, {operand}\nbreak", {lo: base & 0xFF, lo + 1: base >> 8}, setup=seed)
    assert mcu.cpu.r[3] == {base - 1: 0x11, base: 0x22}[accessed]
    assert mcu.cpu.r[lo] | (mcu.cpu.r[lo + 1] << 8) == after
    assert cycles == 2
    mcu, cycles = run(f"st {operand}, r3\nbreak", {lo: base & 0xFF, lo + 1: base >> 8, 3: 0xE7}, setup=seed)
    assert mcu.data.peek(accessed)[0] == 0xE7
    assert mcu.cpu.r[lo] | (mcu.cpu.r[lo + 1] << 8) == after
    assert cycles == 1


def test_pointer_increment_carries_into_high_byte(run) -> None:
    mcu, _ = run("st X+, r0\nld r1, -Y\nbreak", {26: 0xFF, 27: 0x3C, 28: 0x00, 29: 0x3D, 0: 9})
    assert (mcu.cpu.r[26], mcu.cpu.r[27]) == (0x00, 0x3D)
    assert (mcu.cpu.r[28], mcu.cpu.r[29]) == (0xFF, 0x3C)
    assert mcu.data.peek(0x3CFF)[0] == 9


@pytest.mark.parametrize("ptr", ["Y", "Z"])
def test_ldd_std_displacement(run, ptr: str) -> None:
    lo = POINTERS[ptr]
    base = SRAM + 0x100
    for q in (0, 1, 17, 63):
        mcu, cycles = run(f"ldd r8, {ptr}+{q}\nbreak", {lo: base & 0xFF, lo + 1: base >> 8},
                          setup=lambda m, q=q: m.data.poke(base + q, bytes([q ^ 0xA5])))
        assert mcu.cpu.r[8] == q ^ 0xA5 and cycles == 2
        assert mcu.cpu.r[lo] | (mcu.cpu.r[lo + 1] << 8) == base
        mcu, cycles = run(f"std {ptr}+{q}, r8\nbreak", {lo: base & 0xFF, lo + 1: base >> 8, 8: q + 1})
        assert mcu.data.peek(base + q)[0] == q + 1 and cycles == 1


def test_push_pop_and_stack_pointer(run) -> None:
    mcu, cycles = run("push r10\nbreak", {10: 0x5E})
    assert mcu.cpu.sp == 0x3FFE and mcu.data.peek(0x3FFF)[0] == 0x5E and cycles == 1
    mcu, cycles = run("push r10\npush r11\npop r12\npop r13\nbreak", {10: 1, 11: 2})
    assert (mcu.cpu.r[12], mcu.cpu.r[13], mcu.cpu.sp) == (2, 1, 0x3FFF)
    assert cycles == 1 + 1 + 2 + 2
    # SP through the I/O space (OUT/IN to 0x3D/0x3E).
    mcu, _ = run("ldi r16, 0x80\nout 0x3d, r16\nldi r16, 0x3e\nout 0x3e, r16\n"
                 "in r2, 0x3d\nin r3, 0x3e\nbreak")
    assert mcu.cpu.sp == 0x3E80 and (mcu.cpu.r[2], mcu.cpu.r[3]) == (0x80, 0x3E)


LPM_DATA = "break\n.balign 2\ntable: .byte 0x12, 0x34, 0x56, 0x78"


def test_lpm_forms(run) -> None:
    setz = "ldi r30, lo8(table+1)\nldi r31, hi8(table+1)\n"
    mcu, cycles = run(setz + "lpm\n" + LPM_DATA)
    assert mcu.cpu.r[0] == 0x34 and cycles == 2 + 3
    mcu, cycles = run(setz + "lpm r7, Z\n" + LPM_DATA)
    assert mcu.cpu.r[7] == 0x34 and cycles == 2 + 3
    mcu, cycles = run(setz + "lpm r7, Z+\nlpm r8, Z+\n" + LPM_DATA)
    table = mcu.symbols["table"][0]
    assert (mcu.cpu.r[7], mcu.cpu.r[8]) == (0x34, 0x56) and cycles == 2 + 6
    assert mcu.cpu.r[30] | (mcu.cpu.r[31] << 8) == table + 3


def test_flash_is_readable_through_the_data_space(run) -> None:
    # AVRxt maps the flash at 0x8000: LD reads it like LPM does.
    mcu, _ = run("ldi r30, lo8(table+0x8000)\nldi r31, hi8(table+0x8000)\nld r5, Z+\nld r6, Z\n" + LPM_DATA)
    assert (mcu.cpu.r[5], mcu.cpu.r[6]) == (0x12, 0x34)


@pytest.mark.parametrize("opcode, what", [(0x95D8, "ELPM"), (0x9006, "ELPM Rd,Z"), (0x9007, "ELPM Rd,Z+"),
                                          (0x9419, "EIJMP"), (0x9519, "EICALL"), (0x95E8, "SPM"),
                                          (0x9204, "XCH"), (0xFFFF, "erased flash"), (0x0001, "undefined")])
def test_missing_instructions_fault(run, opcode: int, what: str) -> None:
    with pytest.raises(AvrFault) as info:
        run(f"nop\nnop\n.word {opcode:#06x}\nbreak")
    assert info.value.pc == 2, what
    assert f"0x{opcode:04x}" in str(info.value)


# --- I/O -------------------------------------------------------------------------------------------
def test_in_out(run) -> None:
    mcu, cycles = run("out 0x1c, r1\nin r2, 0x1c\nbreak", {1: 0x3A})
    assert mcu.data.peek(0x1C)[0] == 0x3A and mcu.cpu.r[2] == 0x3A and cycles == 2
    # SREG through IN/OUT: every flag (including those computed inside the block) reaches it.
    mcu, _ = run("ldi r16, 0x80\nadd r16, r16\nin r3, 0x3f\nbreak", sreg=0)
    assert mcu.cpu.r[3] == (1 << C) | (1 << Z) | (1 << V) | (1 << S)
    mcu, _ = run("ldi r16, 0x5a\nout 0x3f, r16\nbreak")
    assert mcu.cpu.sreg == 0x5A


def test_sbi_cbi(run) -> None:
    for b in range(8):
        mcu, cycles = run(f"sbi 0x1d, {b}\ncbi 0x1e, {b}\nbreak",
                          setup=lambda m: m.data.poke(0x1D, b"\x00\xff"))
        assert mcu.data.peek(0x1D, 2) == bytes([1 << b, 0xFF ^ (1 << b)]) and cycles == 2


@pytest.mark.parametrize("name", ["sbic", "sbis", "sbrc", "sbrs"])
def test_skips(run, name: str) -> None:
    # Operand bit 3 set/clear; the skipped instruction is 1 word (INC) or 2 words (LDS/STS).
    is_io = name in ("sbic", "sbis")
    operand = "0x1f" if is_io else "r20"
    skip_if_set = name.endswith("s")
    for level in (0, 1):
        for target, words in (("inc r21", 1), (f"sts {SRAM}, r21", 2), ("jmp 0", 2)):
            body = f"{name} {operand}, 3\n{target}\nbreak"
            val = 0x08 if level else 0xF7
            skipped = level == skip_if_set
            ctx = f"{name} level {level} over {target}"
            if not skipped and target.startswith("jmp"):
                continue  # would leave the program
            mcu, cycles = run(body, {20: val, 21: 0},
                              setup=lambda m, v=val: m.data.poke(0x1F, bytes([v])))
            if skipped:
                assert cycles == 1 + words, ctx
                assert mcu.cpu.r[21] == 0 and mcu.data.peek(SRAM)[0] == 0, ctx
            else:
                assert cycles == 1 + words, ctx  # no skip (1) + the instruction (1 or 2)
                assert mcu.cpu.r[21] == 1 or mcu.data.peek(SRAM)[0] == 0, ctx


def test_skip_into_jmp_runs_it(run) -> None:
    mcu, cycles = run("sbrs r20, 0\njmp far\nnop\nfar: break", {20: 0})
    assert cycles == 1 + 3


def test_cpse(run) -> None:
    mcu, cycles = run("cpse r1, r2\ninc r3\nbreak", {1: 7, 2: 7})
    assert mcu.cpu.r[3] == 0 and cycles == 2
    mcu, cycles = run("cpse r1, r2\ninc r3\nbreak", {1: 7, 2: 8})
    assert mcu.cpu.r[3] == 1 and cycles == 2
    mcu, cycles = run(f"cpse r1, r2\nlds r3, {SRAM}\nbreak", {1: 7, 2: 7})
    assert cycles == 3


# --- control flow ----------------------------------------------------------------------------------
BRANCHES = {  # mnemonic: (flag, taken when set)
    "brcs": (C, 1), "brcc": (C, 0), "breq": (Z, 1), "brne": (Z, 0), "brmi": (N, 1), "brpl": (N, 0),
    "brvs": (V, 1), "brvc": (V, 0), "brlt": (S, 1), "brge": (S, 0), "brhs": (H, 1), "brhc": (H, 0),
    "brts": (T, 1), "brtc": (T, 0), "brie": (I, 1), "brid": (I, 0),
}


@pytest.mark.parametrize("name", sorted(BRANCHES))
def test_conditional_branches(run, name: str) -> None:
    flag, when = BRANCHES[name]
    body = f"{name} taken\nldi r16, 1\nbreak\ntaken: ldi r16, 2\nbreak"
    for value in (0, 1):
        sreg = (0x5A & ~(1 << flag)) | (value << flag)
        mcu, cycles = run(body, sreg=sreg)
        taken = value == when
        assert mcu.cpu.r[16] == (2 if taken else 1), (name, value)
        assert cycles == (2 if taken else 1) + 1, (name, value)
        assert mcu.cpu.sreg == sreg


def test_branch_on_flag_computed_in_the_same_block(run) -> None:
    # The branch reads the C flag from a local of the block, not from SREG.
    body = "ldi r16, 0xff\nldi r17, 1\nadd r16, r17\nbrcs 1f\nldi r18, 1\nbreak\n1: ldi r18, 2\nbreak"
    mcu, _ = run(body)
    assert mcu.cpu.r[18] == 2


def test_backward_branch_loop(run) -> None:
    mcu, cycles = run("ldi r16, 10\n1: dec r16\nbrne 1b\nbreak")
    assert mcu.cpu.r[16] == 0
    assert cycles == 1 + 10 * 1 + 9 * 2 + 1


def test_jumps(run) -> None:
    mcu, cycles = run("rjmp 1f\nldi r16, 1\n1: break")
    assert mcu.cpu.r[16] == 0 and cycles == 2
    mcu, cycles = run("jmp far\nldi r16, 1\nfar: break")
    assert mcu.cpu.r[16] == 0 and cycles == 3
    mcu, cycles = run("ldi r30, pm_lo8(far)\nldi r31, pm_hi8(far)\nijmp\nldi r16, 1\nfar: break")
    assert mcu.cpu.r[16] == 0 and cycles == 2 + 2


def test_rjmp_wraps_around_the_flash(run) -> None:
    # RJMP .-2 at word 0 lands on the last word of the 8 KiB flash (avr-gcc relies on wrapping); that
    # word is erased (0xffff), which is no instruction.
    with pytest.raises(AvrFault) as info:
        run(".word 0xcffe\nbreak")
    assert info.value.pc == 0x0FFF


@pytest.mark.parametrize("call, cost", [("rcall sub", 2), ("call sub", 3),
                                        ("ldi r30, pm_lo8(sub)\nldi r31, pm_hi8(sub)\nicall", 2 + 2)])
def test_calls_and_ret(run, call: str, cost: int) -> None:
    body = f"{call}\nret_here: break\nsub: in r4, 0x3d\nin r5, 0x3e\nret"
    mcu, cycles = run(body)
    ret_word = mcu.symbols["ret_here"][0] // 2
    assert (mcu.cpu.r[4], mcu.cpu.r[5]) == (0xFD, 0x3F)  # two bytes pushed
    assert mcu.data.peek(0x3FFE, 2) == bytes([ret_word >> 8, ret_word & 0xFF])  # big-endian on the stack
    assert mcu.cpu.sp == 0x3FFF
    assert cycles == cost + 1 + 1 + 4


def test_reti_pops_and_ends_the_interrupt_level(run) -> None:
    def enter_isr(m) -> None:  # noqa: ANN001
        m.data.poke(0x0111, b"\x01")  # CPUINT.STATUS LVL0EX, as if an interrupt were being served
    body = "rcall isr\nbreak\nisr: reti"
    mcu, cycles = run(body, setup=enter_isr)
    assert mcu.data.peek(0x0111)[0] == 0 and cycles == 2 + 4


# --- system ----------------------------------------------------------------------------------------
def test_nop_wdr(run) -> None:
    mcu, cycles = run("nop\nwdr\nnop\nbreak")
    assert cycles == 3 and mcu.instructions >= 4


def test_sleep_without_sen_is_a_nop(run) -> None:
    mcu, cycles = run("sleep\nldi r16, 1\nbreak")
    assert mcu.cpu.r[16] == 1 and cycles == 2 and mcu.sleep_mode is None


def test_sleep_with_sen_stops_until_an_interrupt(run) -> None:
    # SLPCTRL.CTRLA = IDLE | SEN; no interrupt source: the CPU never reaches the BREAK.
    mcu, _ = run("ldi r16, 1\nsts 0x50, r16\nbreak\nsleep\nldi r17, 1\nbreak")
    mcu.stop = False
    mcu.run_cycles(5000)
    assert mcu.sleep_mode == "IDLE" and mcu.cpu.r[17] == 0 and len(mcu.breaks) == 1


def test_break_reports_its_address(run) -> None:
    mcu, _ = run("nop\nnop\nbrk: break")
    assert mcu.breaks == [mcu.symbols["brk"][0]]
    assert mcu.pc == mcu.symbols["brk"][0] // 2 + 1


# --- block translation against single steps -----------------------------------------------------------
def random_program(rng: random.Random, n: int = 160) -> str:
    """Straight-line ALU work, SRAM traffic through X/Y/Z, PUSH/POP, skips and forward branches,
    inside a counted loop; ends in BREAK."""
    lines = ["ldi r26, lo8(0x3d00)", "ldi r27, hi8(0x3d00)", "ldi r28, lo8(0x3d40)", "ldi r29, hi8(0x3d40)",
             "ldi r30, lo8(0x3d80)", "ldi r31, hi8(0x3d80)", "ldi r25, 7", "loop:"]
    regs = list(range(2, 24))
    hi = list(range(16, 24))
    label = 0
    for _ in range(n):
        k = rng.randrange(16)
        d, r = rng.choice(regs), rng.choice(regs)
        if k < 5:
            op = rng.choice(["add", "adc", "sub", "sbc", "and", "or", "eor", "cp", "cpc", "mov"])
            lines.append(f"{op} r{d}, r{r}")
        elif k < 7:
            lines.append(f"{rng.choice(['subi', 'sbci', 'andi', 'ori', 'cpi', 'ldi'])} "
                         f"r{rng.choice(hi)}, {rng.randrange(256)}")
        elif k < 9:
            lines.append(f"{rng.choice(['com', 'neg', 'inc', 'dec', 'lsr', 'asr', 'ror', 'swap'])} r{d}")
        elif k == 9:
            lines.append(f"{rng.choice(['mul', 'muls', 'fmulsu'])} r{rng.choice(hi)}, r{rng.choice(hi)}")
        elif k == 10:
            ptr = rng.choice(["X", "Y", "Z"])
            op = rng.choice(["ld r{d}, {p}+", "st {p}+, r{d}", "ld r{d}, -{p}", "st -{p}, r{d}"])
            lines.append(op.format(d=d, p=ptr))
        elif k == 11:
            q = rng.randrange(64)
            lines.append(rng.choice([f"ldd r{d}, Y+{q}", f"std Z+{q}, r{d}"]))
        elif k == 12:
            lines += [f"push r{d}", f"pop r{r}"]
        elif k == 13:
            label += 1
            br = rng.choice(["breq", "brne", "brcs", "brcc", "brmi", "brpl", "brvs", "brlt", "brhs"])
            lines += [f"{br} f{label}", f"inc r{d}", f"f{label}:"]
        elif k == 14:
            lines += [f"{rng.choice(['sbrc', 'sbrs'])} r{d}, {rng.randrange(8)}", f"eor r{r}, r{d}"]
        else:
            lines += [f"bst r{d}, {rng.randrange(8)}", f"bld r{r}, {rng.randrange(8)}",
                      f"{rng.choice(['adiw', 'sbiw'])} r24, {rng.randrange(64)}"]
    lines += ["dec r25", "breq done", "rjmp loop", "done: in r1, 0x3f", "break"]
    return "\n".join(lines)


@pytest.mark.parametrize("seed", range(4))
def test_blocks_match_single_steps(builder: Builder, runner: Runner, monkeypatch, seed: int) -> None:
    rng = random.Random(seed)
    elf = builder.asm(random_program(rng))
    init = [rng.randrange(256) for _ in range(32)]
    sram = bytes(rng.randrange(256) for _ in range(0x200))
    results = []
    orig = Translator.build
    for single in (False, True):
        with monkeypatch.context() as mp:
            if single:
                mp.setattr(Translator, "build", lambda self, start, max_len=0: orig(self, start, 1))
            runner._loaded = None  # retranslate
            mcu = runner.load(elf)
            mcu.cpu.r[:24] = init[:24]
            mcu.data.poke(0x3D00 - 0x100, sram)
            cycles = run_to_break(mcu)
            lengths = {b.length for b in mcu.cpu._blocks if b is not None}
            results.append((list(mcu.cpu.r), mcu.cpu.sreg, mcu.cpu.sp, cycles,
                            mcu.data.peek(0x3C00, 0x400), lengths))
    (r1, s1, sp1, c1, m1, len1), (r2, s2, sp2, c2, m2, len2) = results
    assert max(len1) > 1 and len2 == {1}
    assert r1 == r2
    assert fmt_sreg(s1) == fmt_sreg(s2)
    assert (sp1, c1) == (sp2, c2)
    assert m1 == m2
    runner._loaded = None


# --- SREG through the data space (LDS/STS/LD/ST at 0x3F, not only IN/OUT) -------------------------------
def test_lds_of_sreg_sees_flags_computed_in_the_block(run) -> None:
    # The SUB overwrites every flag the ADD set: only the LDS in between can see the ADD's flags.
    mcu, _ = run("ldi r16, 0x80\nadd r16, r16\nlds r3, 0x3f\nsub r17, r17\nbreak", sreg=0)
    assert mcu.cpu.r[3] == (1 << C) | (1 << Z) | (1 << V) | (1 << S)


def test_sts_to_sreg_replaces_the_flags(run) -> None:
    # The ADD's flags live in the block's locals; the store to SREG must win over them.
    mcu, _ = run("ldi r16, 0xff\nldi r17, 1\nadd r16, r17\nldi r18, 0x40\nsts 0x3f, r18\nbreak", sreg=0)
    assert mcu.cpu.sreg == 0x40


def test_st_through_a_pointer_to_sreg(run) -> None:
    mcu, _ = run("ldi r30, 0x3f\nldi r31, 0\nldi r16, 0xff\nadd r16, r16\nldi r16, 0x02\nst Z, r16\n"
                 "ld r4, Z\nbreak", sreg=0)
    assert mcu.cpu.sreg == 0x02 and mcu.cpu.r[4] == 0x02
