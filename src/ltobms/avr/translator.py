"""Translates runs of AVRxt instructions ("blocks") into generated Python functions.

Why: a decode-and-dispatch loop in CPython spends most of its time dispatching. A block is decoded once,
turned into straight-line Python source and compiled; executing it is one call. Inside a block:

* SREG flags live in local variables (`fC`, `fZ`, ...). A flag is computed only if something reads it
  before it is overwritten (liveness within the block; at the block's end every flag is live). Flags
  read before being written are loaded from `cpu.sreg` on entry; written ones are stored on exit.
* The cycle counter is added once per exit. Before any access to an address with a hook (a peripheral
  register), the scheduler is brought to the exact cycle of that instruction and due events run, so
  peripherals see exact timing. After a hooked write the block goes on only if the CPU loop would
  do nothing but run the next instruction: no `mcu.stop`, no interrupt it could take, no event due
  before the block (and a chained successor) ends, and not SREG; otherwise it returns there, so an
  interrupt the write raises or a clock change is seen before the next instruction.
* A block ends at any control transfer, skip, SLEEP/BREAK/SEI/RETI, or after `MAX_LEN` instructions.
  The CPU loop passes `lim`: the first cycle at which it must look again (the next event or the run's
  end; 0 while an interrupt is pending).
* Chaining: `build(start, max_blocks=n)` puts the block and up to n-1 blocks it reaches by static
  jumps, branches, skips, calls and fall-through into one function, a dispatch loop in which flags
  stay in locals. Each block has two variants. On entry it checks that it and any successor it may
  go on into end before `lim`; then the chained variant runs: it goes on into the successor without
  returning and computes only the flags that the successors (or a return) may read. Otherwise the
  variant that returns at every exit runs. Never chained: after SEI, RETI, SLEEP, BREAK, an SREG
  write, a dynamic jump or return, and after a block whose read called a hook (`lim` becomes 0: a
  peripheral may have changed anything).
The same generator with `max_len=1` produces single-instruction blocks: the CPU uses them when a
peripheral event is due inside the next block, and tests use them to cross-check long blocks.

Cycle counts are the AVRxt column of the AVR Instruction Set Manual (16-bit PC): LD/LDD/POP 2, LDS 3,
ST/STD/PUSH 1, STS 2, LPM 3, RJMP/IJMP 2, JMP 3, RCALL/ICALL 2, CALL 3, RET/RETI 4, ADIW/SBIW/MUL* 2,
branches 1/2, skips 1/2/3, CBI/SBI 1, everything else 1.
"""

from __future__ import annotations

from collections.abc import Callable

from ltobms.avr.decoder import Instr, decode, is_two_word

MAX_LEN = 48
FLAGS = "CZNVSHTI"
ALL = frozenset(FLAGS)
BIT = {f: i for i, f in enumerate(FLAGS)}

# Instructions that end a block after themselves.
_ENDS = {
    "rjmp", "jmp", "ijmp", "rcall", "call", "icall", "ret", "reti", "brbs", "brbc", "cpse", "sbrc",
    "sbrs", "sbic", "sbis", "sleep", "break", "bset", "bclr", "out",
}
_ARITH_W = frozenset("HSVNZC")
# Instructions that need every flag stored in SREG (not loaded into locals).
_STORES_ALL = {"in", "out", "reti", "sleep", "break", "call", "rcall", "icall", "ret"}
_LOGIC_W = frozenset("SVNZ")
_C = frozenset("C")
_NEED_XY = frozenset("HVS")  # flags computed from the operands, not only from the result
# Stores: a hooked one leaves the block right after it, so every flag must be exact there.
_MAY_EXIT = {"st", "st_inc", "st_dec", "std", "sts", "out", "cbi", "sbi"}
# Reads that may call a hook (a peripheral may then change anything: chains stop after the block).
_HOOK_READS = {"ld", "ld_inc", "ld_dec", "ldd", "lds", "in", "sbic", "sbis", "cbi", "sbi", "wdr"}


def flag_io(ins: Instr) -> tuple[frozenset[str], frozenset[str]]:
    """(flags read, flags written)."""
    n = ins.name
    if n in ("add", "sub", "cp", "subi", "cpi", "neg"):
        return frozenset(), _ARITH_W
    if n in ("adc",):
        return frozenset("C"), _ARITH_W
    if n in ("sbc", "cpc", "sbci"):
        return frozenset("CZ"), _ARITH_W
    if n in ("and", "or", "eor", "andi", "ori"):
        return frozenset(), _LOGIC_W
    if n in ("inc", "dec"):
        return frozenset(), _LOGIC_W
    if n in ("com", "asr", "lsr"):
        return frozenset(), frozenset("SVNZC")
    if n == "ror":
        return frozenset("C"), frozenset("SVNZC")
    if n in ("adiw", "sbiw"):
        return frozenset(), frozenset("SVNZC")
    if n in ("mul", "muls", "mulsu", "fmul", "fmuls", "fmulsu"):
        return frozenset(), frozenset("ZC")
    if n == "bset" or n == "bclr":
        return frozenset(), frozenset(FLAGS[ins.d])
    if n == "bst":
        return frozenset(), frozenset("T")
    if n == "bld":
        return frozenset("T"), frozenset()
    if n == "brbs" or n == "brbc":
        return frozenset(FLAGS[ins.d]), frozenset()
    if n in ("in", "lds") and ins.k == 0x3F:
        return ALL, frozenset()
    if n in ("out", "sts") and ins.k == 0x3F:
        return frozenset(), ALL
    if n in ("reti", "sleep", "break", "call", "rcall", "icall", "ret"):
        return ALL, frozenset()  # leaves the block with everything stored
    return frozenset(), frozenset()


# Translations shared by every emulated chip in the process, keyed by the flash contents: tests and
# simulations create many chips from the same image, and compiling is the costly part.
CACHE_SIZE = 10_000  # entries (a firmware image needs ~500, ~3 kB of source each)
_CACHE: dict[tuple[bytes, int, int, int], tuple[Callable, int, int, str]] = {}


class Block:
    __slots__ = ("fn", "start", "length", "max_cycles", "source", "heat")

    def __init__(self, fn: Callable[[int], int], start: int, length: int, max_cycles: int,
                 source: str) -> None:
        self.fn = fn
        self.start = start
        self.length = length
        self.max_cycles = max_cycles
        self.source = source
        self.heat = 0  # runs left before the CPU translates it again, chained (0: never)


class Translator:
    def __init__(self, cpu) -> None:  # cpu: ltobms.avr.cpu.Cpu
        self.cpu = cpu

    @property
    def pc_mask(self) -> int:
        """Relative jumps and calls wrap around the end of the flash (avr-gcc relies on it)."""
        n = len(self.cpu.flash_words)
        return (n - 1) if n and not n & (n - 1) else 0xFFFF

    # --- reading the program --------------------------------------------------------------------
    def fetch(self, pc: int) -> tuple[Instr | None, int, int]:
        words = self.cpu.flash_words
        n = len(words)
        op = words[pc] if pc < n else 0xFFFF
        op2 = words[pc + 1] if pc + 1 < n else 0
        return decode(op, op2), op, op2

    def length_at(self, pc: int) -> int:
        words = self.cpu.flash_words
        return 2 if pc < len(words) and is_two_word(words[pc]) else 1

    # --- building a block ------------------------------------------------------------------------
    def build(self, start: int, max_len: int = MAX_LEN, max_blocks: int = 1) -> Block:
        """The block at `start`; with `max_blocks` > 1, a chain of it and the blocks it can reach by
        static jumps, branches, skips, calls and fall-through (breadth first), in one function."""
        return self._block(start, max_len, max_blocks)

    def _block(self, start: int, max_len: int, max_blocks: int) -> Block:
        key = (self.cpu.flash_key, start, max_len, max_blocks)
        hit = _CACHE.get(key)
        if hit is None:
            hit = self._translate(start, max_len, max_blocks)
            if len(_CACHE) >= CACHE_SIZE:
                _CACHE.clear()
            _CACHE[key] = hit
        make, length, max_cycles, src, alone = hit
        # A chain's blocks fall back to their lone translations when a successor may not fit.
        fns = {pc: self._block(pc, max_len, 1).fn for pc in alone}
        return Block(make(self.cpu, fns), start, length, max_cycles, src)

    def _translate(self, start: int, max_len: int, max_blocks: int) -> tuple:
        code = {start: self._decode(start, max_len)}
        plain = {start: self._emit(code[start])}
        queue = [start]
        while queue and len(plain) < max_blocks:
            for target in plain[queue.pop(0)].targets:
                # A routine run natively (routines.py) is left to the CPU loop.
                if target not in plain and target not in self.cpu.natives and len(plain) < max_blocks:
                    code[target] = self._decode(target, max_len)
                    plain[target] = self._emit(code[target])
                    queue.append(target)
        alone: list[int] = []
        src = _source(plain[start]) if len(plain) == 1 else self._chain_source(start, code, plain, alone)
        ns: dict = {}
        exec(compile(src, f"<avr block 0x{start * 2:04x}>", "exec"), {"__builtins__": __builtins__}, ns)
        return ns["make"], len(code[start]), plain[start].max_cycles, src, alone

    def _decode(self, start: int, max_len: int) -> list[tuple[int, Instr | None, int]]:
        instrs: list[tuple[int, Instr | None, int]] = []
        pc = start
        nwords = len(self.cpu.flash_words)
        while len(instrs) < max_len:
            if pc >= nwords:
                instrs.append((pc, None, 0xFFFF))
                break
            ins, op, _ = self.fetch(pc)
            instrs.append((pc, ins, op))
            if ins is None or ins.name in _ENDS:
                break
            pc += ins.words
        return instrs

    def _emit(self, instrs: list, live_end: frozenset[str] = ALL, region: _Region | None = None,
              chained: bool = False, fall: int | None = None) -> _Gen:
        """One block; alone (`region` None) or inside a chain, where `chained` selects the variant
        that goes on into its successors (flags only as live as those need them)."""
        needed, _ = _liveness(instrs, live_end)
        if region is None:
            # Flags that must be loaded on entry: read before any write in the block.
            reads_first: set[str] = set()
            written: set[str] = set()
            for _, ins, _ in instrs:
                if ins is None:
                    break
                rd, wr = flag_io(ins)
                if ins.name in _STORES_ALL or ins.name == "lds":
                    rd = frozenset()  # reads SREG through memory, not through the flag locals
                reads_first |= set(rd) - written
                written |= wr
            gen = _Gen(self, reads_first)
        else:
            gen = _Gen(self, set(region.flags), region, chained, _has_hooked_read(instrs))
            gen.fall = fall
        for (ipc, ins, op), need in zip(instrs, needed, strict=True):
            gen.emit(ipc, ins, op, need)
        if not gen.ended:
            gen.exit(str(gen.next_pc), target=gen.next_pc)
        return gen

    def _chain_source(self, start: int, code: dict[int, list], plain: dict[int, _Gen],
                      alone: list[int]) -> str:
        """A dispatch loop over the blocks of a chain. Each block checks on entry that it and every
        successor it may go on into end before `lim`; then it runs its chained variant, whose flags
        are computed only where a successor (or a return to the CPU loop) reads them. Otherwise it
        stores the flags and runs the block's lone translation (`alone` collects those blocks). Flags
        stay in locals across the chain."""
        region = _Region(frozenset(code))
        for instrs in code.values():
            for _, ins, _ in instrs:
                if ins is not None:
                    rd, wr = flag_io(ins)
                    region.flags |= rd | wr
                    region.written |= wr
        # Liveness across the chain: what a block needs on entry in either variant (fixed point).
        live_in = {pc: _liveness(code[pc], ALL)[1] for pc in code}
        live_in_exit = dict(live_in)
        changed = True
        while changed:
            changed = False
            for pc, instrs in code.items():
                now = _liveness(instrs, self._live_end(code[pc], plain[pc], region, live_in))[1]
                now = now | live_in_exit[pc]
                if now != live_in[pc]:
                    live_in[pc] = now
                    changed = True
        out = _head() + ["        c0 = sc.cycles; ni = 0"]
        if region.flags:
            out.append("        s = cpu.sreg")
            out += [f"        f{f} = (s >> {BIT[f]}) & 1" for f in sorted(region.flags)]
        out += [f"        pc = {start}", "        while True:"]
        # Order: each block followed by the successor its last exit goes to, which it then reaches
        # by falling through to the next test instead of `continue` and testing from the top.
        order = [start]
        rest = [pc for pc in code if pc != start]
        while rest:
            pref = _preferred(code[order[-1]], plain[order[-1]], region)
            order.append(pref if pref in rest else rest[0])
            rest.remove(order[-1])
        for i, pc in enumerate(order):
            instrs = code[pc]
            out.append(f"            if pc == {pc}:")
            targets = [t for t in plain[pc].targets if t in region.blocks]
            if targets:
                reach = plain[pc].max_cycles + max(plain[t].max_cycles for t in targets)
                fall = order[i + 1] if i + 1 < len(order) else None
                chained = self._emit(instrs, self._live_end(instrs, plain[pc], region, live_in), region, True,
                                     fall)
                out.append(f"                if c0 + {reach} < lim:")
                out += ["                    " + ln for ln in chained.body(reach)]
                out.append("                else:")
                if region.written:
                    out.append("                    " + _store_line(region.written))
                out.append("                    sc.cycles = c0; cpu.instructions += ni")
                out.append(f"                    return alone[{pc}](lim)")
                alone.append(pc)
            else:
                out += ["                " + ln for ln in self._emit(instrs, ALL, region, False).body()]
        out.append("    return blk")
        return "\n".join(out) + "\n"

    @staticmethod
    def _live_end(instrs: list, gen: _Gen, region: _Region,
                  live_in: dict[int, frozenset[str]]) -> frozenset[str]:
        """Flags live after a block's last instruction in its chained variant."""
        if _has_hooked_read(instrs) or gen.returns:
            return ALL
        live: frozenset[str] = frozenset()
        for t in gen.targets:
            live |= live_in[t] if t in region.blocks else ALL
        return live


class _Region:
    """What the blocks of one chain share."""

    def __init__(self, blocks: frozenset[int]) -> None:
        self.blocks = blocks
        self.flags: frozenset[str] = frozenset()  # read or written anywhere: locals of the function
        self.written: frozenset[str] = frozenset()  # stored to SREG whenever the chain returns


def _preferred(instrs: list, gen: _Gen, region: _Region) -> int | None:
    """The successor a block's chained variant goes to at its very end (see `_Gen.emit`, branches)."""
    pc, ins, _ = instrs[-1]
    if ins is not None and ins.name in ("brbs", "brbc"):
        target = (pc + 1 + ins.k) & gen.tr.pc_mask
        if target <= pc and target in region.blocks:
            return target
    return gen.final_target


def _has_hooked_read(instrs: list) -> bool:
    return any(ins is not None and ins.name in _HOOK_READS for _, ins, _ in instrs)


def _liveness(instrs: list, live_end: frozenset[str]) -> tuple[list[frozenset[str]], frozenset[str]]:
    """Per instruction the flags it must compute, and the flags live on entry (backwards)."""
    live = set(live_end)
    needed: list[frozenset[str]] = [frozenset()] * len(instrs)
    last = len(instrs) - 1
    for i in range(last, -1, -1):
        ins = instrs[i][1]
        if ins is None:
            continue
        rd, wr = flag_io(ins)
        if i == last and ins.name in ("call", "rcall"):
            rd = frozenset()  # what the callee reads is in live_end
        elif ins.name in ("sbc", "cpc", "sbci") and "Z" not in live:
            rd = _C  # Z is read only to compute Z
        if ins.name in _MAY_EXIT:
            live = set(ALL)
        needed[i] = frozenset(wr & live)
        live = (live - wr) | rd
    return needed, frozenset(live)


def _store_line(flags: set[str] | frozenset[str]) -> str:
    """The statement that writes the flag locals `flags` into cpu.sreg."""
    mask = sum(1 << BIT[f] for f in flags)
    parts = " | ".join(f"(f{f} << {BIT[f]})" if BIT[f] else f"f{f}" for f in sorted(flags))
    return f"cpu.sreg = (cpu.sreg & {0xFF ^ mask}) | {parts}"


def _head() -> list[str]:
    return [
        "def make(cpu, alone):",
        "    r = cpu.r; mem = cpu.mem; rh = cpu.rhook; wh = cpu.whook; sc = cpu.sched",
        "    fl = cpu.flash_bytes; ta = cpu.trace.append; mcu = cpu.mcu; ci = mcu.cpuint",
        "    def blk(lim):",
    ]


def _source(gen: _Gen) -> str:
    """The module text of a lone block: `make(cpu)` returns the block function `blk(lim)`."""
    out = _head() + ["        c0 = sc.cycles"] + ["        " + ln for ln in gen.body()]
    out.append("    return blk")
    return "\n".join(out) + "\n"


class _Gen:
    """Emits the Python source of one block."""

    def __init__(self, tr: Translator, load: set[str], region: _Region | None = None, chained: bool = False,
                 hooked: bool = False) -> None:
        self.tr = tr
        self.region = region
        self.chained = chained  # goes on into successors in the region
        self.hooked = hooked  # has a read that may call a hook: goes on only while lim is not 0
        self.ni = "ni + " if region is not None else ""  # instructions of earlier blocks of the chain
        self.targets: list[int] = []  # static successors it could go on into
        self.returns = False  # leaves at its end to the CPU loop (not into a static successor)
        self.final_target: int | None = None  # where its last, unconditional exit goes
        self.fall: int | None = None  # the block placed after it in a chain's dispatch loop
        self.lines: list[str] = []
        self.cyc = 0  # cycles of the instructions emitted so far (not counting the current one)
        self.count = 0
        self.max_cycles = 0
        self.ended = False
        self.next_pc = 0
        self.load = load
        # Flags held in locals that may differ from cpu.sreg (in a chain: any the chain writes).
        self.dirty: set[str] = set(region.written) if region is not None else set()
        self.flag_load_lines = []
        if load and region is None:
            self.flag_load_lines.append("    s = cpu.sreg")
            for f in sorted(load):
                self.flag_load_lines.append(f"    f{f} = (s >> {BIT[f]}) & 1")

    # --- plumbing -------------------------------------------------------------------------------
    def w(self, line: str, indent: int = 1) -> None:
        self.lines.append("    " * indent + line)

    def body(self, rest: int | None = None) -> list[str]:
        """The lines; `rest`: cycles from the block's start that must end before `lim` for it to go on
        after a hooked store (default: the block itself)."""
        loads = [ln.strip() for ln in self.flag_load_lines]
        rest_s = str(self.max_cycles if rest is None else rest)
        return loads + [ln[4:].replace("__REST__", rest_s) for ln in self.lines]

    def store_flags(self, indent: int, which: set[str] | None = None) -> None:
        flags = self.dirty if which is None else which
        if flags:
            self.w(_store_line(flags), indent)

    def exit(self, pc_expr: str, extra_cycles: int = 0, indent: int = 1, end: bool = True,
             target: int | None = None) -> None:
        """Leave the block: store flags, count cycles and instructions, return the next PC. `target`:
        the static next PC when the CPU loop would go on there without looking at anything but time
        (not after SEI/RETI/SLEEP/BREAK/SREG writes or a hooked store)."""
        total = self.cyc + extra_cycles
        self.max_cycles = max(self.max_cycles, total)
        if end and indent == 1:
            self.ended = True
        if target is None:
            self.returns = True
        else:
            self.targets.append(target)
        if indent == 1:
            self.final_target = target
        if self.chained and target is not None and target in self.region.blocks:
            # The entry check made sure the successor ends before lim; a hooked read sets lim to 0.
            go = f"c0 += {total}; ni += {self.count}; ta({target}); pc = {target}"
            if not (indent == 1 and target == self.fall):
                go += "; continue"
            if self.hooked:
                self.w("if not lim:", indent)
                self._leave(pc_expr, total, indent + 1)
            self.w(go, indent)
            return
        self._leave(pc_expr, total, indent)

    def _leave(self, pc_expr: str, total: int, indent: int) -> None:
        self.store_flags(indent)
        self.w(f"sc.cycles = c0 + {total}", indent)
        self.w(f"cpu.instructions += {self.ni}{self.count}", indent)
        self.w(f"return {pc_expr}", indent)

    def sync(self, indent: int) -> None:
        """Bring time to the current instruction before touching a peripheral."""
        self.store_flags(indent)
        self.w(f"sc.cycles = c0 + {self.cyc}; cpu.inow = cpu.instructions + {self.ni}{self.count}", indent)
        self.w("if sc.cycles >= sc.next_cycle: sc.run_due()", indent)

    def read(self, dst: str, addr: str) -> None:
        self.w(f"a = {addr}")
        self.w("h = rh[a]")
        self.w(f"if h is None: {dst} = mem[a]")
        self.w("else:")
        self.w(f"cpu.pc = {self.pc}", 2)
        self.sync(2)
        self.w(f"{dst} = h(a); lim = 0", 2)

    def write(self, addr: str, val: str, cycles: int, after: list[str] | None = None) -> None:
        """Store (post-instruction updates in `after`). After a hooked store the block goes on only if
        the CPU loop would do nothing but run the next instructions: no stop, no interrupt it could
        take, the rest of the block (with a chained successor) still ends before the next event, and
        SREG not written (its flags are in locals). Otherwise it returns."""
        self.w(f"a = {addr}")
        self.w("h = wh[a]")
        self.w(f"if h is None: mem[a] = {val}")
        self.w("else:")
        self.w(f"cpu.pc = {self.pc}", 2)
        self.sync(2)
        self.w(f"h(a, {val})", 2)
        self.w("if sc.next_cycle < lim: lim = sc.next_cycle", 2)
        self.w("if mcu.stop or a == 0x3F or (ci.lines and cpu.sreg & 0x80) or c0 + __REST__ >= lim:", 2)
        for ln in after or []:
            self.w(ln, 3)
        self.count += 1
        self.cyc += cycles
        dirty, self.dirty = self.dirty, set()  # stored by sync(); the hook may have written SREG
        returns = self.returns  # liveness already treats stores as exits
        self.exit(str(self.pc + self.ilen), indent=3, end=False)
        self.dirty, self.returns = dirty, returns
        self.count -= 1
        self.cyc -= cycles
        self.w(f"ta({self.pc + self.ilen})", 2)  # the trace the CPU loop would have kept
        for ln in after or []:
            self.w(ln)

    # --- flag helpers ---------------------------------------------------------------------------
    def setf(self, need: frozenset[str], exprs: dict[str, str]) -> None:
        for f in "HVNZCS":
            if f in exprs and f in need:
                self.w(f"f{f} = {exprs[f]}")
                self.dirty.add(f)

    def logic_flags(self, need: frozenset[str], res: str) -> None:
        # V = 0, N = bit 7, S = N ^ V = N, Z
        self.setf(need, {"V": "0", "N": f"{res} >> 7", "S": f"{res} >> 7", "Z": f"({res} == 0)"})

    # --- one instruction ------------------------------------------------------------------------
    def emit(self, pc: int, ins: Instr | None, op: int, need: frozenset[str]) -> None:
        self.pc = pc
        if ins is None:
            self.w(f"cpu.pc = {pc}")
            self.store_flags(1)
            self.w(f"sc.cycles = c0 + {self.cyc}")
            self.w(f"raise cpu.undefined({pc}, {op})")
            self.returns = True
            self.ended = True
            return
        self.ilen = ins.words
        nxt = pc + ins.words
        self.next_pc = nxt
        n = ins.name
        d, rr, k, b = ins.d, ins.r, ins.k, ins.b
        w = self.w
        cyc = 1
        if n == "nop":
            pass
        elif n in ("add", "adc"):
            carry = " + fC" if n == "adc" else ""
            if need & _NEED_XY:
                w(f"x = r[{d}]; y = r[{rr}]; t = x + y{carry}; v = t & 0xFF")
            else:  # only N, Z, C: no operand copies
                w(f"t = r[{d}] + r[{rr}]{carry}; v = t & 0xFF")
            self.setf(need, {
                "H": f"((x & 15) + (y & 15){carry}) >> 4",
                "V": "((x ^ v) & (y ^ v)) >> 7 & 1",
                "N": "v >> 7", "Z": "(v == 0)", "C": "t >> 8",
                "S": "(v >> 7) ^ (((x ^ v) & (y ^ v)) >> 7 & 1)",
            })
            w(f"r[{d}] = v")
        elif n in ("sub", "sbc", "cp", "cpc", "subi", "sbci", "cpi"):
            carry = " - fC" if n in ("sbc", "cpc", "sbci") else ""
            src = str(k) if n in ("subi", "sbci", "cpi") else f"r[{rr}]"
            if need & _NEED_XY:
                w(f"x = r[{d}]; y = {src}; t = x - y{carry}; v = t & 0xFF")
            else:
                w(f"t = r[{d}] - {src}{carry}; v = t & 0xFF")
            z = "(v == 0) & fZ" if carry else "(v == 0)"
            self.setf(need, {
                "H": f"((x & 15) - (y & 15){carry} < 0)",
                "V": "((x ^ y) & (x ^ v)) >> 7 & 1",
                "N": "v >> 7", "Z": z, "C": "(t < 0)",
                "S": "(v >> 7) ^ (((x ^ y) & (x ^ v)) >> 7 & 1)",
            })
            if n not in ("cp", "cpc", "cpi"):
                w(f"r[{d}] = v")
        elif n in ("and", "or", "eor", "andi", "ori"):
            opch = {"and": "&", "andi": "&", "or": "|", "ori": "|", "eor": "^"}[n]
            src = str(k) if n in ("andi", "ori") else f"r[{rr}]"
            w(f"v = r[{d}] {opch} {src}; r[{d}] = v")
            self.logic_flags(need, "v")
        elif n == "mov":
            w(f"r[{d}] = r[{rr}]")
        elif n == "movw":
            w(f"r[{d}] = r[{rr}]; r[{d + 1}] = r[{rr + 1}]")
        elif n == "ldi":
            w(f"r[{d}] = {k}")
        elif n == "com":
            w(f"v = 255 - r[{d}]; r[{d}] = v")
            self.setf(need, {"V": "0", "N": "v >> 7", "S": "v >> 7", "Z": "(v == 0)", "C": "1"})
        elif n == "neg":
            w(f"x = r[{d}]; v = (-x) & 0xFF; r[{d}] = v")
            self.setf(need, {
                "H": "((v | x) >> 3) & 1", "V": "(v == 128)", "N": "v >> 7", "Z": "(v == 0)",
                "C": "(v != 0)", "S": "(v >> 7) ^ (v == 128)",
            })
        elif n == "swap":
            w(f"x = r[{d}]; r[{d}] = ((x << 4) | (x >> 4)) & 0xFF")
        elif n in ("inc", "dec"):
            if n == "inc":
                w(f"v = (r[{d}] + 1) & 0xFF; r[{d}] = v")
                ov = "(v == 128)"
            else:
                w(f"v = (r[{d}] - 1) & 0xFF; r[{d}] = v")
                ov = "(v == 127)"
            self.setf(need, {"V": ov, "N": "v >> 7", "Z": "(v == 0)", "S": f"(v >> 7) ^ {ov}"})
        elif n in ("asr", "lsr", "ror"):
            if n == "asr":
                w(f"x = r[{d}]; v = (x >> 1) | (x & 128); r[{d}] = v")
            elif n == "lsr":
                w(f"x = r[{d}]; v = x >> 1; r[{d}] = v")
            else:
                w(f"x = r[{d}]; v = (x >> 1) | (fC << 7); r[{d}] = v")
            # N ^ C -> V; S = N ^ V
            self.setf(need, {
                "C": "x & 1", "N": "v >> 7", "Z": "(v == 0)", "V": "(v >> 7) ^ (x & 1)",
                "S": "x & 1",  # S = N ^ V = N ^ N ^ C = C
            })
        elif n in ("adiw", "sbiw"):
            cyc = 2
            sign = "+" if n == "adiw" else "-"
            w(f"x = r[{d}] | (r[{d + 1}] << 8); t = x {sign} {k}; v = t & 0xFFFF")
            w(f"r[{d}] = v & 0xFF; r[{d + 1}] = v >> 8")
            if n == "adiw":
                vv = "(~x & v) >> 15 & 1"
                cc = "(x & ~v) >> 15 & 1"
            else:
                vv = "(x & ~v) >> 15 & 1"
                cc = "(v & ~x) >> 15 & 1"
            self.setf(need, {"V": vv, "C": cc, "N": "v >> 15", "Z": "(v == 0)",
                             "S": f"(v >> 15) ^ ({vv})"})
        elif n in ("mul", "muls", "mulsu", "fmul", "fmuls", "fmulsu"):
            cyc = 2
            sx = n in ("muls", "fmuls", "mulsu", "fmulsu")
            sy = n in ("muls", "fmuls")
            xs = f"((r[{d}] ^ 128) - 128)" if sx else f"r[{d}]"
            ys = f"((r[{rr}] ^ 128) - 128)" if sy else f"r[{rr}]"
            w(f"p = ({xs} * {ys}) & 0xFFFF")
            if n.startswith("f"):
                w("c = p >> 15; p = (p << 1) & 0xFFFF")
                cexp = "c"
            else:
                cexp = "p >> 15"
            self.setf(need, {"C": cexp, "Z": "(p == 0)"})
            w("r[0] = p & 0xFF; r[1] = p >> 8")
        elif n in ("bset", "bclr"):
            f = FLAGS[d]
            val = 1 if n == "bset" else 0
            w(f"f{f} = {val}")
            self.dirty.add(f)
            if f == "I" and val:
                w("cpu.irq_hold = True")  # the next instruction runs before any interrupt
        elif n == "bst":
            w(f"fT = (r[{d}] >> {b}) & 1")
            self.dirty.add("T")
        elif n == "bld":
            w(f"r[{d}] = (r[{d}] & {0xFF ^ (1 << b)}) | (fT << {b})")
        elif n == "in":
            self.read(f"r[{d}]", str(k))
        elif n == "out":
            # OUT ends the block: a write to SREG, SP or a peripheral may change what happens next.
            if k == 0x3F:
                w(f"cpu.sreg = r[{d}]")
                self.dirty.clear()
                self.count += 1
                self.cyc += 1
                self.exit(str(nxt))
                return
            self.write(str(k), f"r[{d}]", 1)
        elif n in ("cbi", "sbi"):
            self.read("v", str(k))
            newv = f"v & {0xFF ^ (1 << b)}" if n == "cbi" else f"v | {1 << b}"
            self.write(str(k), newv, 1)
        elif n in ("ld", "ld_inc", "ld_dec", "ldd", "st", "st_inc", "st_dec", "std"):
            ptr = chr(rr)
            lo = {"X": 26, "Y": 28, "Z": 30}[ptr]
            cyc = 2 if n.startswith("ld") else 1
            w(f"a0 = r[{lo}] | (r[{lo + 1}] << 8)")
            after: list[str] = []
            if n.endswith("_dec"):
                w("a0 = (a0 - 1) & 0xFFFF")
                w(f"r[{lo}] = a0 & 0xFF; r[{lo + 1}] = a0 >> 8")
                addr = "a0"
            elif n.endswith("_inc"):
                addr = "a0"
                after = ["a1 = (a0 + 1) & 0xFFFF", f"r[{lo}] = a1 & 0xFF; r[{lo + 1}] = a1 >> 8"]
            elif n in ("ldd", "std"):
                addr = f"(a0 + {k}) & 0xFFFF"
            else:
                addr = "a0"
            if n.startswith("ld"):
                self.read(f"r[{d}]", addr)
                for ln in after:
                    w(ln)
            else:
                self.write(addr, f"r[{d}]", cyc, after)
        elif n == "lds":
            cyc = 3
            self.read(f"r[{d}]", str(k))
        elif n == "sts":
            cyc = 2
            self.write(str(k), f"r[{d}]", cyc)
        elif n == "push":
            w("a = cpu.sp")
            w(f"if rh[a] is None: mem[a] = r[{d}]")
            w(f"else: cpu.pc = {pc}; cpu.stack_fault(a)")
            w("cpu.sp = (a - 1) & 0xFFFF")
        elif n == "pop":
            cyc = 2
            w("a = (cpu.sp + 1) & 0xFFFF; cpu.sp = a")
            w(f"if rh[a] is None: r[{d}] = mem[a]")
            w(f"else: cpu.pc = {pc}; cpu.stack_fault(a)")
        elif n in ("lpm", "lpm_inc", "lpm_r0"):
            cyc = 3
            dst = 0 if n == "lpm_r0" else d
            w("z = r[30] | (r[31] << 8)")
            w(f"r[{dst}] = fl[z] if z < len(fl) else cpu.lpm_fault(z, {pc})")
            if n == "lpm_inc":
                w("z = (z + 1) & 0xFFFF; r[30] = z & 0xFF; r[31] = z >> 8")
        elif n in ("rjmp", "jmp", "ijmp"):
            self.count += 1
            if n == "rjmp":
                self.cyc += 2
                tgt = (pc + 1 + k) & self.tr.pc_mask  # wraps around the flash
                self.exit(str(tgt), target=tgt)
            elif n == "jmp":
                self.cyc += 3
                self.exit(str(k), target=k)
            else:
                self.cyc += 2
                self.exit("r[30] | (r[31] << 8)")
            return
        elif n in ("rcall", "call", "icall"):
            self.count += 1
            self.cyc += 3 if n == "call" else 2
            if n == "icall":
                w("t = r[30] | (r[31] << 8)")
                w(f"cpu.push_pc({nxt})")
                self.exit("t")
            else:
                tgt = (pc + 1 + k) & self.tr.pc_mask if n == "rcall" else k
                w(f"cpu.push_pc({nxt})")
                self.exit(str(tgt), target=tgt)
            return
        elif n in ("ret", "reti"):
            self.count += 1
            self.cyc += 4
            if n == "reti":
                w("cpu.reti()")
            self.exit("cpu.pop_pc()")
            return
        elif n in ("brbs", "brbc"):
            self.count += 1
            self.cyc += 1
            f = FLAGS[d]
            cond = f"f{f}" if n == "brbs" else f"not f{f}"
            if f not in self.dirty and f not in self.load:
                # The flag was never loaded: read it from SREG.
                cond = f"(cpu.sreg >> {BIT[f]}) & 1" if n == "brbs" else f"not (cpu.sreg >> {BIT[f]}) & 1"
            tgt = (pc + 1 + k) & self.tr.pc_mask
            if self.chained and tgt <= pc and tgt in self.region.blocks:
                # A loop: the taken branch last, so that it may fall through (see _preferred).
                w(f"if not ({cond}):")
                self.exit(str(nxt), indent=2, end=False, target=nxt)
                self.exit(str(tgt), extra_cycles=1, target=tgt)
                return
            w(f"if {cond}:")
            self.exit(str(tgt), extra_cycles=1, indent=2, end=False, target=tgt)
            self.exit(str(nxt), target=nxt)
            return
        elif n in ("cpse", "sbrc", "sbrs", "sbic", "sbis"):
            self.count += 1
            skip = self.tr.length_at(nxt)
            if n == "cpse":
                w(f"c = r[{d}] == r[{rr}]")
            elif n in ("sbrc", "sbrs"):
                w(f"c = {'not ' if n == 'sbrc' else ''}(r[{d}] >> {b}) & 1")
            else:
                self.read("v", str(k))
                w(f"c = {'not ' if n == 'sbic' else ''}(v >> {b}) & 1")
            self.cyc += 1
            w("if c:")
            self.exit(str(nxt + skip), extra_cycles=skip, indent=2, end=False, target=nxt + skip)
            self.exit(str(nxt), target=nxt)
            return
        elif n in ("sleep", "break"):  # both leave the block with everything stored, then act
            self.count += 1
            self.cyc += 1
            self.store_flags(1)
            self.dirty.clear()
            w(f"sc.cycles = c0 + {self.cyc}")
            w(f"cpu.instructions += {self.ni}{self.count}")
            if n == "sleep":
                w("cpu.sleep()")
                w(f"return {nxt}")
            else:
                w(f"cpu.pc = {nxt}")
                w(f"return cpu.break_({pc}, {nxt})")
            self.returns = True
            self.ended = True
            return
        elif n == "wdr":
            w(f"cpu.pc = {pc}")
            self.sync(1)
            w("cpu.wdr(); lim = 0")
        else:  # pragma: no cover - every decoded name is handled above
            raise AssertionError(n)
        self.count += 1
        self.cyc += cyc
        if n in ("bset", "bclr"):
            self.exit(str(nxt), target=None if (n == "bset" and d == BIT["I"]) else nxt)
