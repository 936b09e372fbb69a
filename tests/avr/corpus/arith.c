/* Integer arithmetic of 8, 16 and 32 bits against values Python computed (case.h): + - * / % << >>. */
#include "check.h"
#include "case.h"

#define RUN(T, table, base)                                                                 \
    for (uint8_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {                        \
        T a = OPAQUE(table[i].a), b = OPAQUE(table[i].b);                                   \
        uint8_t s = OPAQUE(table[i].s);                                                     \
        CHECK_AT(base + 0, i, (T)(a + b) == table[i].add);                                  \
        CHECK_AT(base + 1, i, (T)(a - b) == table[i].sub);                                  \
        CHECK_AT(base + 2, i, (T)(a * b) == table[i].mul);                                  \
        CHECK_AT(base + 3, i, (T)(a / b) == table[i].div);                                  \
        CHECK_AT(base + 4, i, (T)(a % b) == table[i].mod);                                  \
        CHECK_AT(base + 5, i, (T)(a << s) == table[i].shl);                                 \
        CHECK_AT(base + 6, i, (T)(a >> s) == table[i].shr);                                 \
    }

int main(void)
{
    RUN(uint8_t, u8, 10)
    RUN(int8_t, i8, 20)
    RUN(uint16_t, u16, 30)
    RUN(int16_t, i16, 40)
    RUN(uint32_t, u32, 50)
    RUN(int32_t, i32, 60)
    /* Widening multiplies the compiler turns into MUL/MULS/MULSU sequences. */
    for (uint8_t i = 0; i < sizeof(widen) / sizeof(widen[0]); i++) {
        int16_t x = OPAQUE(widen[i].x);
        uint16_t y = OPAQUE(widen[i].y);
        CHECK_AT(90, i, (int32_t)x * (int32_t)y == widen[i].sxu);
        CHECK_AT(91, i, (uint32_t)(uint16_t)x * y == widen[i].uxu);
    }
    finish(PASS, 0, 0);
}
