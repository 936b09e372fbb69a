/* Data in flash: pgm_read_byte/word, strcpy_P, memcpy_P, strlen_P, and const data read straight
 * through the mapped flash (AVRxt). */
#include "check.h"
#include "case.h"
#include <avr/pgmspace.h>
#include <string.h>

static const char text_P[] PROGMEM = TEXT;
static const uint16_t words_P[] PROGMEM = WORDS;
static const uint8_t mapped[] = WORDS_AS_BYTES; /* .rodata: flash, seen at 0x8000 + offset */
static char buf[64];

int main(void)
{
    CHECK(10, strlen_P(text_P) == sizeof(TEXT) - 1);
    for (uint8_t i = 0; i < sizeof(TEXT) - 1; i++)
        CHECK_AT(11, i, pgm_read_byte(&text_P[OPAQUE(i)]) == TEXT[i]);
    strcpy_P(buf, text_P);
    CHECK(12, strcmp(buf, TEXT) == 0);
    uint32_t sum = 0;
    for (uint8_t i = 0; i < sizeof(words_P) / 2; i++)
        sum += pgm_read_word(&words_P[OPAQUE(i)]);
    CHECK(13, sum == WORDS_SUM);
    memcpy_P(buf, words_P, 4);
    CHECK(14, buf[0] == (char)mapped[0] && buf[3] == (char)mapped[3]);
    CHECK(15, (uint16_t)(const void *)mapped >= 0x8000);
    uint32_t sum2 = 0;
    for (uint8_t i = 0; i < sizeof(mapped); i += 2)
        sum2 += mapped[OPAQUE(i)] | ((uint16_t)mapped[i + 1] << 8);
    CHECK(16, sum2 == WORDS_SUM);
    finish(PASS, 0, 0);
}
