/* avr-libc vfprintf through snprintf: %d %u %ld %x %X %s, widths and padding. */
#include "check.h"
#include "case.h"
#include <stdio.h>
#include <string.h>

static char buf[64];

int main(void)
{
    for (uint8_t i = 0; i < sizeof(pv) / sizeof(pv[0]); i++) {
        int n = snprintf(buf, sizeof buf, FORMAT, OPAQUE(pv[i].d), OPAQUE(pv[i].u), OPAQUE(pv[i].l),
                         OPAQUE(pv[i].x), OPAQUE(pv[i].x), pv[i].s);
        CHECK_AT(10, i, n == (int)strlen(pv[i].want));
        CHECK_AT(11, i, strcmp(buf, pv[i].want) == 0);
    }
    /* Truncation: the result still counts every character and the buffer ends in NUL. */
    char small[5];
    int n = snprintf(small, sizeof small, "%d", OPAQUE(-12345));
    CHECK(20, n == 6);
    CHECK(21, strcmp(small, "-123") == 0);
    finish(PASS, 0, 0);
}
