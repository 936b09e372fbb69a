/* The once-a-minute log line in InfluxDB line protocol (design section 4.2), formatted with integer
 * arithmetic only. Pure logic: writes into a caller's buffer, uart.c sends it. */
#ifndef LOG_H
#define LOG_H

#include <stdint.h>

#include "config.h"
#include "protect.h"

/* Longest line (every number at its widest) is 245 bytes including the newline. */
#define LOG_LINE_MAX 248u

struct log_record {
    uint32_t uptime_s;
    uint16_t serial_number;
    uint16_t v_batt_mv;
    uint16_t v_load_mv;
    int32_t current_ua;
    uint32_t discharged_mwh;
    uint32_t charged_mwh;
    int32_t charge_mah;
    int16_t temp_k;
    uint8_t gain;
    enum bms_state state;
    enum config_source config_source;
    uint8_t reset_flags;
};

/* A bounded text writer: output stops at `end`, never beyond. */
struct text {
    char *next;
    char *end;
};

void text_str(struct text *t, const char *s);
void text_u32(struct text *t, uint32_t value);
void text_i32(struct text *t, int32_t value);
void text_hex16(struct text *t, uint16_t value);

/* Formats the line (with a trailing '\n') into buf[LOG_LINE_MAX]; returns its length. */
uint8_t log_format_line(char *buf, const struct log_record *r);
/* Current in mA for the `current` field: rounded to nearest, halves away from zero. */
int32_t log_current_ma(int32_t current_ua);

#endif
