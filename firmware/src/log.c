#include "log.h"

#include "board.h"

void text_str(struct text *t, const char *s)
{
    while (*s && t->next < t->end) {
        *t->next++ = *s++;
    }
}

static void text_char(struct text *t, char c)
{
    if (t->next < t->end) {
        *t->next++ = c;
    }
}

/* Decimal by subtracting powers of ten: a few hundred cycles, no 32-bit division. */
static const uint32_t powers_of_ten[] = {
    1000000000UL, 100000000UL, 10000000UL, 1000000UL, 100000UL, 10000UL, 1000UL, 100UL, 10UL, 1UL,
};

void text_u32(struct text *t, uint32_t value)
{
    bool started = false;
    for (uint8_t i = 0; i < sizeof(powers_of_ten) / sizeof(powers_of_ten[0]); i++) {
        uint32_t power = powers_of_ten[i];
        char digit = '0';
        while (value >= power) {
            value -= power;
            digit++;
        }
        if (digit != '0' || started || power == 1UL) {
            text_char(t, digit);
            started = true;
        }
    }
}

void text_i32(struct text *t, int32_t value)
{
    if (value < 0) {
        text_char(t, '-');
        text_u32(t, (uint32_t)0 - (uint32_t)value);
    } else {
        text_u32(t, (uint32_t)value);
    }
}

void text_hex16(struct text *t, uint16_t value)
{
    for (int8_t shift = 12; shift >= 0; shift -= 4) {
        uint8_t nibble = (uint8_t)((value >> shift) & 0xFu);
        text_char(t, (char)(nibble < 10 ? '0' + nibble : 'A' + nibble - 10));
    }
}

static void integer_field(struct text *t, const char *name_eq, int32_t value)
{
    text_str(t, name_eq);
    text_i32(t, value);
    text_str(t, "i,");
}

static void unsigned_field(struct text *t, const char *name_eq, uint32_t value)
{
    text_str(t, name_eq);
    text_u32(t, value);
    text_str(t, "i,");
}

int32_t log_current_ma(int32_t current_ua)
{
    return current_ua >= 0 ? (current_ua + 500L) / 1000L : (current_ua - 500L) / 1000L;
}

uint8_t log_format_line(char *buf, const struct log_record *r)
{
    struct text t = {buf, buf + LOG_LINE_MAX - 1}; /* keep room for the newline */
    text_str(&t, BOARD_MEASUREMENT_NAME ",id=");
    text_hex16(&t, r->serial_number);
    text_char(&t, ' ');
    unsigned_field(&t, "uptime=", r->uptime_s);
    unsigned_field(&t, "v_batt=", r->v_batt_mv);
    unsigned_field(&t, "v_load=", r->v_load_mv);
    integer_field(&t, "current=", log_current_ma(r->current_ua));
    unsigned_field(&t, "E_dis=", r->discharged_mwh);
    unsigned_field(&t, "E_chg=", r->charged_mwh);
    integer_field(&t, "charge=", r->charge_mah);
    integer_field(&t, "temp=", r->temp_k);
    unsigned_field(&t, "gain=", r->gain);
    text_str(&t, "state=\"");
    text_str(&t, protect_state_name(r->state));
    text_str(&t, "\",");
    /* Appended fields (new in this firmware). */
    integer_field(&t, "current_ua=", r->current_ua);
    text_str(&t, "config=\"");
    text_str(&t, config_source_name(r->config_source));
    text_str(&t, "\",");
    text_str(&t, "reset_flags=");
    text_u32(&t, r->reset_flags);
    text_str(&t, "i");
    t.end++;
    text_char(&t, '\n');
    return (uint8_t)(t.next - buf);
}
