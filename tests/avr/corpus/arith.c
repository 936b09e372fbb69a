/* Integer arithmetic of 8, 16 and 32 bits against values Python computed (case.h): + - * / % << >>. */
#include "check.h"
#include "case.h"
#include "arith_run.h"


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
