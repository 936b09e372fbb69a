/* A dense switch: avr-gcc emits a jump table (__tablejump2__: LPM + IJMP). */
#include "check.h"
#include "case.h"

static uint16_t __attribute__((noinline)) pick(uint8_t k)
{
    switch (k) {
    case 0: return 1000;
    case 1: return 1111;
    case 2: return 1234;
    case 3: return 999;
    case 4: return 4242;
    case 5: return 7;
    case 6: return 606;
    case 7: return 31337;
    case 8: return 8;
    case 9: return 900;
    case 10: return 12345;
    case 11: return 1;
    case 12: return 65535;
    case 13: return 1300;
    case 14: return 14;
    case 15: return 2;
    default: return 0xDEAD;
    }
}

int main(void)
{
    for (uint8_t k = 0; k < sizeof(want) / sizeof(want[0]); k++)
        CHECK_AT(10, k, pick(OPAQUE(k)) == want[k]);
    finish(PASS, 0, 0);
}
