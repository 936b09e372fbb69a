#include "ina260.h"

void ina260_init(struct ina260 *r)
{
    r->config = INA260_CONFIG_POWER_ON;
    r->current = 0;
    r->bus_voltage = 0;
    r->power = 0;
    r->mask_enable = 0;
    r->alert_limit = 0;
    r->pointer = 0;
    r->write_index = 0;
    r->write_msb = 0;
    r->read_index = 0;
    r->read_latch = 0;
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
            uint8_t pointer = r->pointer;
            ina260_init(r);
            r->pointer = pointer;
        } else {
            r->config = value;
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

static uint16_t clamp_u16(uint32_t x)
{
    return x > 0xFFFFu ? 0xFFFFu : (uint16_t)x;
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

void ina260_convert(struct ina260_values *out, uint32_t v_batt_uv, int32_t current_ua, uint16_t v_batt_mv)
{
    /* Current: round to the nearest 1.25 mA, saturate to 16 bits. */
    int32_t lsb = current_ua >= 0 ? (current_ua + 625L) / 1250L : (current_ua - 625L) / 1250L;
    if (lsb > 32767L) {
        lsb = 32767L;
    } else if (lsb < -32768L) {
        lsb = -32768L;
    }
    out->current = (uint16_t)(int16_t)lsb;
    out->bus_voltage = clamp_u16((v_batt_uv + 625UL) / 1250UL);
    /* Power magnitude, 10 mW/LSB: mV x (10 uA) = 10 nW; 1e6 of those = 10 mW. */
    uint32_t magnitude_ua = (uint32_t)(current_ua < 0 ? -current_ua : current_ua);
    uint32_t power_10nw = (uint32_t)v_batt_mv * ((magnitude_ua + 5u) / 10u);
    out->power = clamp_u16((power_10nw + 500000UL) / 1000000UL);
}

void ina260_publish(struct ina260 *r, const struct ina260_values *values)
{
    r->current = values->current;
    r->bus_voltage = values->bus_voltage;
    r->power = values->power;

    uint16_t flags = INA260_ME_CVRF;
    if (alert_condition(r)) {
        flags |= INA260_ME_AFF;
    } else if (!(r->mask_enable & INA260_ME_LEN)) {
        r->mask_enable &= (uint16_t)~INA260_ME_AFF; /* transparent mode follows the condition */
    }
    r->mask_enable |= flags;
}
