/* avr-libc string functions: strcpy strcmp strlen memcpy memmove (both overlaps) strtol. */
#include "check.h"
#include "case.h"
#include <stdlib.h>
#include <string.h>

static char a[48], b[48];

int main(void)
{
    strcpy(a, WORD);
    CHECK(10, strlen(a) == WORD_LEN);
    CHECK(11, strcmp(a, WORD) == 0);
    strcpy(b, a);
    b[3]++;
    CHECK(12, strcmp(a, b) < 0);
    CHECK(13, strcmp(b, a) > 0);
    CHECK(14, strncmp(a, b, 3) == 0);
    memcpy(b, "0123456789", 11);
    memmove(b + 2, b, 8); /* overlap, forward */
    CHECK(15, memcmp(b, "0101234567", 10) == 0);
    memmove(b, b + 3, 7); /* overlap, backward */
    CHECK(16, memcmp(b, "1234567567", 10) == 0);
    for (uint8_t i = 0; i < sizeof(tv) / sizeof(tv[0]); i++) {
        char *end;
        long v = strtol(tv[i].text, &end, tv[i].base);
        CHECK_AT(20, i, v == tv[i].value);
        CHECK_AT(21, i, end - tv[i].text == tv[i].used);
    }
    finish(PASS, 0, 0);
}
