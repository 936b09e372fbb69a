/* Soft-float (avr-libc) add, sub, mul, div, compare and conversions against Python's IEEE single. */
#include "check.h"
#include "case.h"
#include <string.h>

static uint32_t bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

int main(void)
{
    for (uint8_t i = 0; i < sizeof(fv) / sizeof(fv[0]); i++) {
        float a = OPAQUE(fv[i].a), b = OPAQUE(fv[i].b);
        CHECK_AT(10, i, bits(a + b) == fv[i].add);
        CHECK_AT(11, i, bits(a - b) == fv[i].sub);
        CHECK_AT(12, i, bits(a * b) == fv[i].mul);
        CHECK_AT(13, i, bits(a / b) == fv[i].div);
        CHECK_AT(14, i, (a < b) == fv[i].lt);
        CHECK_AT(15, i, (a == b) == fv[i].eq);
        CHECK_AT(16, i, (a >= b) == fv[i].ge);
        CHECK_AT(17, i, (int32_t)a == fv[i].to_i32);
    }
    for (uint8_t i = 0; i < sizeof(iv) / sizeof(iv[0]); i++) {
        int32_t n = OPAQUE(iv[i].n);
        CHECK_AT(20, i, bits((float)n) == iv[i].to_f);
        CHECK_AT(21, i, bits((float)(uint32_t)n) == iv[i].u_to_f);
        CHECK_AT(22, i, bits((float)(int16_t)n) == iv[i].i16_to_f);
    }
    finish(PASS, 0, 0);
}
