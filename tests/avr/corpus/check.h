/* The corpus convention: GPIOR0 = 1 when every check passed, else the number of the failing check
 * (GPIOR1/GPIOR2 may say more, e.g. the index of the failing vector); then BREAK. */
#ifndef CHECK_H
#define CHECK_H
#include <avr/io.h>
#include <stdint.h>

#define PASS 1

static inline void __attribute__((noreturn)) finish(uint8_t code, uint8_t detail1, uint8_t detail2)
{
    GPIOR1 = detail1;
    GPIOR2 = detail2;
    GPIOR0 = code;
    __asm__ volatile("break");
    for (;;) {
    }
}

#define CHECK(code, cond) do { if (!(cond)) finish((code), 0, 0); } while (0)
#define CHECK_AT(code, index, cond) do { if (!(cond)) finish((code), (uint8_t)(index), 0); } while (0)

/* Hides a value from the optimiser so the arithmetic really runs on the target. */
#define OPAQUE(x) ({ __typeof__((x) + 0) _v = (x); __asm__ volatile("" : "+r"(_v)); (__typeof__(x))_v; })

#endif
