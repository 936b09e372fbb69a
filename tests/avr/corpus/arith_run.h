/* The arithmetic checks shared by arith.c and arith64.c: every operator of type T against the
   table of values Python computed (case.h), failures numbered from `base`. */
#ifndef ARITH_RUN_H
#define ARITH_RUN_H
#include "check.h"

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

#endif
