/* Recursion: Ackermann (deep stack, many calls) and a recursive fibonacci with a 32-bit result. */
#include "check.h"
#include "case.h"

static uint16_t ackermann(uint16_t m, uint16_t n)
{
    if (m == 0)
        return n + 1;
    if (n == 0)
        return ackermann(m - 1, 1);
    return ackermann(m - 1, ackermann(m, n - 1));
}

static uint32_t fib(uint8_t n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

int main(void)
{
    CHECK(10, ackermann(OPAQUE(ACK_M), OPAQUE(ACK_N)) == ACK_WANT);
    CHECK(11, fib(OPAQUE(FIB_N)) == FIB_WANT);
    finish(PASS, 0, 0);
}
