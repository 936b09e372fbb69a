#include "ina260.h"

#include <stddef.h>
#include <string.h>

void ina260_init(struct ina260 *r)
{
    /* Power-on values; the measurement registers read 0 until the first measurement, as on an
     * INA260. The pointer, a transaction under way and the conversion counts carry on. */
    memset(r, 0, offsetof(struct ina260, pointer));
    r->config = INA260_CONFIG_POWER_ON;
}

static bool alert_condition(const struct ina260 *r)
{
    /* Only one function applies; the most significant enabled bit wins, as on the INA260. */
    uint16_t m = r->mask_enable;
    if (m & INA260_ME_OCL) {
        return (int16_t)r->current > (int16_t)r->alert_limit;
    }
    if (m & INA260_ME_UCL) {
        return (int16_t)r->current < (int16_t)r->alert_limit;
    }
    if (m & INA260_ME_BOL) {
        return r->bus_voltage > r->alert_limit;
    }
    if (m & INA260_ME_BUL) {
        return r->bus_voltage < r->alert_limit;
    }
    if (m & INA260_ME_POL) {
        return r->power > r->alert_limit;
    }
    return false;
}

/* AFF after a conversion: set while the alert condition holds; transparent mode (LEN = 0) also
 * clears it when the condition is gone, latch mode only by reading 06h. */
static void update_alert_flag(struct ina260 *r)
{
    if (alert_condition(r)) {
        r->mask_enable |= INA260_ME_AFF;
    } else if (!(r->mask_enable & INA260_ME_LEN)) {
        r->mask_enable &= (uint16_t)~INA260_ME_AFF;
    }
}

/* The value a read of `reg` returns, with its read side effects (06h clears CVRF, and AFF when
 * latched). Unknown registers read 0. */
static uint16_t read_register(struct ina260 *r, uint8_t reg)
{
    switch (reg) {
    case INA260_REG_CONFIG:
        return r->config;
    case INA260_REG_CURRENT:
        return r->current;
    case INA260_REG_BUS_VOLTAGE:
        return r->bus_voltage;
    case INA260_REG_POWER:
        return r->power;
    case INA260_REG_MASK_ENABLE: {
        /* In continuous mode an INA260 converts every few ms, so its flag follows the condition
         * (and a latched one set again) long before our next measurement: judge it now, on the
         * latest registers and the present limit. */
        if ((r->config & INA260_MODE_MASK) > INA260_MODE_CONTINUOUS) {
            update_alert_flag(r);
        }
        uint16_t value = r->mask_enable;
        /* CVRF always clears on read; AFF only in latch mode (transparent AFF follows the limit). */
        uint16_t cleared = (r->mask_enable & INA260_ME_LEN) ? (INA260_ME_CVRF | INA260_ME_AFF) : INA260_ME_CVRF;
        r->mask_enable &= (uint16_t)~cleared;
        return value;
    }
    case INA260_REG_ALERT_LIMIT:
        return r->alert_limit;
    case INA260_REG_MANUFACTURER_ID:
        return INA260_MANUFACTURER_ID;
    case INA260_REG_DIE_ID:
        return INA260_DIE_ID;
    default:
        return 0;
    }
}

static void write_register(struct ina260 *r, uint8_t reg, uint16_t value)
{
    switch (reg) {
    case INA260_REG_CONFIG:
        if (value & INA260_CONFIG_RESET) {
            ina260_init(r);
        } else {
            r->config = value;
        }
        /* Selecting a measurement (re)starts the conversion: CVRF clears and a fresh measurement
         * is asked for. Power-down leaves CVRF as it is (datasheet). */
        if (r->config & (INA260_MODE_CURRENT | INA260_MODE_BUS)) {
            r->mask_enable &= (uint16_t)~INA260_ME_CVRF;
            r->conversions_asked++;
        }
        break;
    case INA260_REG_MASK_ENABLE:
        r->mask_enable = (uint16_t)((r->mask_enable & ~INA260_ME_WRITABLE) | (value & INA260_ME_WRITABLE));
        break;
    case INA260_REG_ALERT_LIMIT:
        r->alert_limit = value;
        break;
    default:
        break; /* read-only or unknown: ignored */
    }
}

void ina260_write_begin(struct ina260 *r)
{
    r->write_index = 0;
}

void ina260_write_byte(struct ina260 *r, uint8_t byte)
{
    switch (r->write_index) {
    case 0:
        r->pointer = byte;
        break;
    case 1:
        r->write_msb = byte;
        break;
    case 2:
        write_register(r, r->pointer, (uint16_t)(((uint16_t)r->write_msb << 8) | byte));
        break;
    default:
        return; /* bytes beyond the 16-bit value are ignored */
    }
    r->write_index++;
}

void ina260_read_begin(struct ina260 *r)
{
    r->read_index = 0;
    r->read_latch = read_register(r, r->pointer);
}

uint8_t ina260_read_byte(struct ina260 *r)
{
    /* No auto-increment: a longer read repeats the same latched register. */
    uint8_t byte = (r->read_index & 1u) ? (uint8_t)r->read_latch : (uint8_t)(r->read_latch >> 8);
    r->read_index++;
    return byte;
}

/* round(x / d) for x < 2^26, recip = floor(2^24 / d): the reciprocal estimate is at most a few
 * low and the remainder corrects it. libgcc's 32-bit division costs ~500 cycles (0.4 ms at
 * 1.25 MHz), and a host-requested conversion has to land within 3 ms. Not inlined: three copies
 * would cost ~220 B of flash. */
__attribute__((noinline)) static uint16_t div_round(uint32_t x, uint16_t d, uint16_t recip)
{
    x += d / 2u;
    uint16_t q = (uint16_t)(((x >> 8) * recip) >> 16); /* < 2^18 x 2^14: fits 32 bits */
    uint32_t r = x - (uint32_t)q * d;
    while (r >= d) {
        q++;
        r -= d;
    }
    return q;
}

void ina260_convert(struct ina260_values *out, uint32_t v_batt_uv, int32_t current_ua)
{
    /* Current: the nearest 1.25 mA, halves away from zero. The ADC's range (at most 2048 counts
     * at gain 1: 10.24 A LTO, 20.48 A Na-ion) keeps it far inside 16 bits. */
    uint32_t magnitude_ua = (uint32_t)(current_ua < 0 ? -current_ua : current_ua);
    uint16_t current_lsb = div_round(magnitude_ua, 1250u, 13421u);
    out->current = current_ua < 0 ? (uint16_t)-current_lsb : current_lsb;
    uint16_t bus_lsb = div_round(v_batt_uv, 1250u, 13421u);
    out->bus_voltage = bus_lsb;
    /* Power from the current and bus voltage registers, as an INA260 computes it:
     * 1.25 mA x 1.25 mV = 1/6400 of 10 mW. */
    out->power = div_round((uint32_t)current_lsb * bus_lsb, 6400u, 2621u);
}

void ina260_publish(struct ina260 *r, const struct ina260_values *values, uint8_t started)
{
    if (started != r->conversions_asked) {
        return; /* restarted by a later Configuration write: its own measurement follows */
    }
    bool asked = started != r->conversions_answered;
    r->conversions_answered = started;
    uint8_t mode = (uint8_t)(r->config & INA260_MODE_MASK);
    if (!(mode & (INA260_MODE_CURRENT | INA260_MODE_BUS)) || (!(mode & INA260_MODE_CONTINUOUS) && !asked)) {
        return; /* power-down, or triggered with its conversion delivered: the registers hold */
    }
    if (mode & INA260_MODE_CURRENT) {
        r->current = values->current;
    }
    if (mode & INA260_MODE_BUS) {
        r->bus_voltage = values->bus_voltage;
        r->power = values->power; /* an INA260 computes power after each bus voltage conversion */
    }
    update_alert_flag(r);
    r->mask_enable |= INA260_ME_CVRF;
}
