"""Self-checking C programs (tests/avr/corpus/*.c) built with the project's toolchain
(-mmcu=attiny824 -Os) and run on the emulator. Inputs and expected results are computed here in
Python and handed to each program in a generated `case.h`; the program reports through GPIOR0
(1 = pass, n = check n failed; GPIOR1 = index of the failing vector) and stops at BREAK."""

from __future__ import annotations

import random
import re
import struct
from collections.abc import Callable

import pytest
from avr_build import CORPUS, PASS, Builder, Runner, run_corpus

RNG = random.Random(20824)


# --- case.h generators ------------------------------------------------------------------------------
def c_lit(v: int, bits: int) -> str:
    return f"0x{v & ((1 << bits) - 1):x}ULL"


def wrap(v: int, bits: int, signed: bool) -> int:
    v &= (1 << bits) - 1
    return v - (1 << bits) if signed and v >> (bits - 1) else v


def c_div(a: int, b: int) -> tuple[int, int]:
    q = abs(a) // abs(b) * (1 if (a >= 0) == (b >= 0) else -1)
    return q, a - q * b


def arith_case(widths: tuple[int, ...] = (8, 16, 32)) -> str:
    out = []
    for bits in widths:
        for signed in (False, True):
            ctype = f"{'' if signed else 'u'}int{bits}_t"
            lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
            edges = [lo, hi, 0, 1, 2, 3, 7, hi // 3, lo + 1] + ([-1, -2, -7] if signed else [hi - 1])
            pairs = [(edges[i], edges[-1 - i]) for i in range(len(edges))]
            pairs += [(RNG.randint(lo, hi), RNG.randint(lo, hi)) for _ in range(6)]
            pairs += [(RNG.randint(lo, hi), RNG.randint(1, 15)) for _ in range(3)]
            rows = []
            for a, b in pairs:
                if b == 0 or (signed and a == lo and b == -1):
                    continue
                s = RNG.randrange(bits)
                q, r = c_div(a, b)
                vals = [a, b, a + b, a - b, a * b, q, r, a << s, a >> s]
                lits = ", ".join(f"({ctype}){c_lit(wrap(v, bits, signed), bits)}" for v in vals)
                rows.append(f"    {{{lits}, {s}}},")
            name = f"{'i' if signed else 'u'}{bits}"
            fields = f"{ctype} a, b, add, sub, mul, div, mod, shl, shr; uint8_t s;"
            out.append(f"static const struct {{ {fields} }} {name}[] = {{\n" + "\n".join(rows) + "\n};")
    if 64 in widths:
        return "\n".join(out) + "\n"
    rows = []
    for x, y in [(-32768, 65535), (32767, 65535), (-1, 1), (-300, 40000), (12345, 54321)] + \
            [(RNG.randint(-32768, 32767), RNG.randint(0, 65535)) for _ in range(6)]:
        rows.append(f"    {{{x}, {y}U, {x * y}L, {(x & 0xFFFF) * y}UL}},")
    out.append("static const struct { int16_t x; uint16_t y; int32_t sxu; uint32_t uxu; } widen[] = {\n"
               + "\n".join(rows) + "\n};")
    return "\n".join(out) + "\n"


def f32(x: float) -> float:
    return struct.unpack("<f", struct.pack("<f", x))[0]


def f32_bits(x: float) -> int:
    return struct.unpack("<I", struct.pack("<f", x))[0]


def c_float(x: float) -> str:
    return f"{x.hex()}f"


def float_case() -> str:
    vals = [1.0, -1.0, 0.5, 3.0, 0.1, -2.75, 1e9, -1e-10, 123456.789, 7.0, 1.0 / 3.0, 16777216.0, 0.0]
    pairs = [(f32(a), f32(b)) for a, b in zip(vals, vals[3:] + vals[:3], strict=True)]
    pairs += [(f32(RNG.uniform(-1e4, 1e4)), f32(RNG.uniform(-1e3, 1e3))) for _ in range(12)]
    pairs += [(f32(2.5), f32(2.5)), (f32(-3.0), f32(-3.0))]
    rows = []
    for a, b in pairs:
        if b == 0.0:
            continue
        rows.append(f"    {{{c_float(a)}, {c_float(b)}, {f32_bits(a + b)}UL, {f32_bits(a - b)}UL, "
                    f"{f32_bits(a * b)}UL, {f32_bits(a / b)}UL, {int(a < b)}, {int(a == b)}, {int(a >= b)}, "
                    f"{int(a)}L}},")
    fields = "float a, b; uint32_t add, sub, mul, div; uint8_t lt, eq, ge; int32_t to_i32;"
    out = [f"static const struct {{ {fields} }} fv[] = {{\n" + "\n".join(rows) + "\n};"]
    ints = [0, 1, -1, 16777217, -16777219, 2147483647, -2147483647 - 1, 33554435, 100000, -32768, 65535]
    ints += [RNG.randint(-2**31, 2**31 - 1) for _ in range(8)]
    rows = [f"    {{{c_lit(n, 32)}, {f32_bits(float(n))}UL, {f32_bits(float(n & 0xFFFFFFFF))}UL, "
            f"{f32_bits(float(wrap(n, 16, True)))}UL}}," for n in ints]
    out.append("static const struct { int32_t n; uint32_t to_f, u_to_f, i16_to_f; } iv[] = {\n"
               + "\n".join(rows) + "\n};")
    return "\n".join(out) + "\n"


def c_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def printf_case() -> str:
    rows = []
    vecs = [(0, 0, 0, 0, ""), (-32768, 65535, -2147483648, 0xFFFF, "abc"),
            (32767, 1, 2147483647, 0xBEEF, "x"), (-1, 12345, -1, 0x00A, "longer")]
    vecs += [(RNG.randint(-32768, 32767), RNG.randint(0, 65535), RNG.randint(-2**31, 2**31 - 1),
              RNG.randint(0, 65535), "r" * RNG.randint(0, 8)) for _ in range(6)]
    for d, u, l, x, s in vecs:
        want = f"{d}|{u:5d}|{l}|{x:04x}|{x:X}|{s:<6}|"
        rows.append(f"    {{{d}, {u}U, {c_lit(l, 32)}, {x}U, {c_str(s)}, {c_str(want)}}},")
    return ('#define FORMAT "%d|%5u|%ld|%04x|%X|%-6s|"\n'
            "static const struct { int d; unsigned u; long l; unsigned x; const char *s; const char *want; } "
            "pv[] = {\n" + "\n".join(rows) + "\n};\n")


def strtol_ref(text: str, base: int) -> tuple[int, int]:
    """C strtol: (value clamped to long, characters consumed)."""
    i = 0
    while i < len(text) and text[i] in " \t\n":
        i += 1
    sign = 1
    if i < len(text) and text[i] in "+-":
        sign = -1 if text[i] == "-" else 1
        i += 1
    if base in (0, 16) and text[i:i + 2].lower() == "0x" and i + 2 < len(text) and \
            text[i + 2].lower() in "0123456789abcdef":
        i += 2
        base = 16
    elif base == 0:
        base = 8 if text[i:i + 1] == "0" else 10
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"[:base]
    start = i
    while i < len(text) and text[i].lower() in digits:
        i += 1
    if i == start:
        return 0, 0
    v = sign * int(text[start:i], base)
    return max(-2**31, min(2**31 - 1, v)), i


def strings_case() -> str:
    word = "lto-bms: emulated ATtiny824"
    rows = []
    for text, base in [("  -1234xyz", 10), ("0x7fff", 16), ("0x1A", 0), ("077", 0), ("zz", 36), ("+12", 10),
                       ("2147483647", 10), ("-2147483648", 10), ("99999999999", 10), ("-99999999999", 10),
                       ("", 10), ("  +", 10), ("101012", 2), ("ffffffff", 16), ("0", 0)]:
        v, used = strtol_ref(text, base)
        rows.append(f"    {{{c_str(text)}, {base}, {c_lit(v, 32)}, {used}}},")
    return (f"#define WORD {c_str(word)}\n#define WORD_LEN {len(word)}\n"
            "static const struct { const char *text; uint8_t base; long value; uint8_t used; } tv[] = {\n"
            + "\n".join(rows) + "\n};\n")


def recursion_case() -> str:
    def ack(m: int, n: int) -> int:
        while m:
            n = 1 if n == 0 else ack(m, n - 1)
            m -= 1
        return n + 1

    def fib(n: int) -> int:
        a, b = 0, 1
        for _ in range(n):
            a, b = b, a + b
        return a

    return (f"#define ACK_M 3\n#define ACK_N 3\n#define ACK_WANT {ack(3, 3)}\n"
            f"#define FIB_N 17\n#define FIB_WANT {fib(17)}UL\n")


def switch_case() -> str:
    src = (CORPUS / "switch.c").read_text()
    cases = {int(k): int(v) for k, v in re.findall(r"case (\d+): return (\d+);", src)}
    default = 0xDEAD
    want = [cases.get(k, default) for k in range(max(cases) + 3)]
    return "static const uint16_t want[] = {" + ", ".join(f"{w}U" for w in want) + "};\n"


def progmem_case() -> str:
    text = "Flash strings via LPM, 0123456789!"
    words = [RNG.randrange(65536) for _ in range(20)]
    as_bytes = [b for w in words for b in (w & 0xFF, w >> 8)]
    return (f"#define TEXT {c_str(text)}\n#define WORDS {{{', '.join(map(str, words))}}}\n"
            f"#define WORDS_AS_BYTES {{{', '.join(map(str, as_bytes))}}}\n#define WORDS_SUM {sum(words)}UL\n")


PIT_TICKS = 8
PIT_CYCLES = 1024  # RTC_PERIOD_CYC1024_gc: 1024 / 32768 Hz = 31.25 ms


def sleep_pit_case() -> str:
    return f"#define TICKS {PIT_TICKS}\n#define PIT_PERIOD RTC_PERIOD_CYC{PIT_CYCLES}_gc\n"


CASES: dict[str, Callable[[], str]] = {
    "arith": arith_case, "arith64": lambda: arith_case((64,)), "float": float_case, "printf": printf_case,
    "strings": strings_case,
    "recursion": recursion_case, "setjmp": lambda: "", "switch": switch_case, "progmem": progmem_case,
    "sleep_pit": sleep_pit_case,
}


def test_every_corpus_program_has_a_case() -> None:
    assert {p.stem for p in CORPUS.glob("*.c")} == set(CASES)


# Keep the switch a jump table: without this, avr-gcc turns a switch of constants into a lookup array.
FLAGS = {"switch": ("-fno-tree-switch-conversion",)}


def build(builder: Builder, name: str):  # noqa: ANN201 - Path
    return builder.c(CORPUS / f"{name}.c", CASES[name](), extra=(f"-I{CORPUS}", *FLAGS.get(name, ())))


@pytest.mark.parametrize("name", sorted(set(CASES) - {"sleep_pit"}))
def test_corpus_program(builder: Builder, runner: Runner, name: str) -> None:
    mcu = runner.load(build(builder, name))
    code = run_corpus(mcu, seconds=3.0)
    detail = mcu.data.peek(0x1D)[0]
    assert code == PASS, f"{name}.c: check {code} failed (vector {detail})"


def test_switch_uses_a_jump_table(builder: Builder, runner: Runner) -> None:
    # avr-gcc emits a table of RJMPs entered by IJMP (8 KiB parts) for the dense switch.
    mcu = runner.load(build(builder, "switch"))
    ijmp_seen = []
    orig = mcu.cpu.translator.build

    def spy(start: int, max_len: int = 48):  # noqa: ANN202
        blk = orig(start, max_len)
        if "r[30] | (r[31] << 8)" in blk.source and "return r[30]" in blk.source:
            ijmp_seen.append(start)
        return blk

    mcu.cpu.translator.build = spy
    mcu.cpu.invalidate()
    assert run_corpus(mcu) == PASS
    assert ijmp_seen, "no IJMP executed"


def test_sleep_with_pit_interrupts(builder: Builder, runner: Runner) -> None:
    mcu = runner.load(build(builder, "sleep_pit"))
    t0, awake0 = mcu.time, mcu.awake_cycles
    assert run_corpus(mcu, seconds=2.0) == PASS
    period = PIT_CYCLES / 32768
    elapsed = mcu.time - t0
    assert PIT_TICKS * period < elapsed < PIT_TICKS * period + 0.5e-3
    assert mcu.read_var("ticks") == PIT_TICKS
    assert mcu.awake_cycles - awake0 < 200 * PIT_TICKS + 2000  # asleep between the ticks
