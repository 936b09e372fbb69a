/* INA260-compatible register file (design section 4.1). Pure logic: the TWI glue feeds it bus
 * events, main.c publishes measurements into it. No host write reaches anything but the three
 * writable registers below, so I2C traffic cannot change protection or memory outside this file.
 *
 * Conversions: a Configuration write that selects a measurement (any MODE but power-down, and the
 * reset bit) counts as a conversion request, as it restarts the conversion on an INA260. main.c
 * answers a request with a quick measurement (ina260_conversion_wanted); every measurement is
 * published with the request count taken when it started, so one started before the latest
 * Configuration write never counts as fresh. The mode decides what a measurement updates:
 * continuous modes every measurement, triggered modes only the one answering their request,
 * power-down nothing.
 *
 * Concurrency: ina260_publish() must run with interrupts disabled (the bus events run in the TWI
 * interrupt). A read latches the selected register at its start, so a 2-byte read is never torn. */
#ifndef INA260_H
#define INA260_H

#include <stdbool.h>
#include <stdint.h>

#define INA260_I2C_ADDRESS 0x41u

#define INA260_REG_CONFIG 0x00u
#define INA260_REG_CURRENT 0x01u
#define INA260_REG_BUS_VOLTAGE 0x02u
#define INA260_REG_POWER 0x03u
#define INA260_REG_MASK_ENABLE 0x06u
#define INA260_REG_ALERT_LIMIT 0x07u
#define INA260_REG_MANUFACTURER_ID 0xFEu
#define INA260_REG_DIE_ID 0xFFu

#define INA260_MANUFACTURER_ID 0x5449u
#define INA260_DIE_ID 0x2270u

#define INA260_CONFIG_POWER_ON 0x6127u
#define INA260_CONFIG_RESET 0x8000u
/* MODE bits 2:0: bit 0 current, bit 1 bus voltage, bit 2 continuous (000 and 100 = power-down). */
#define INA260_MODE_MASK 0x0007u
#define INA260_MODE_CURRENT 0x0001u
#define INA260_MODE_BUS 0x0002u
#define INA260_MODE_CONTINUOUS 0x0004u

/* Mask/Enable bits */
#define INA260_ME_OCL 0x8000u
#define INA260_ME_UCL 0x4000u
#define INA260_ME_BOL 0x2000u
#define INA260_ME_BUL 0x1000u
#define INA260_ME_POL 0x0800u
#define INA260_ME_CNVR 0x0400u
#define INA260_ME_AFF 0x0010u
#define INA260_ME_CVRF 0x0008u
#define INA260_ME_OVF 0x0004u
#define INA260_ME_APOL 0x0002u
#define INA260_ME_LEN 0x0001u
#define INA260_ME_WRITABLE 0xFC03u

struct ina260 {
    /* The registers: what a reset restores (ina260_init clears everything before `pointer`). */
    uint16_t config;
    uint16_t current;     /* 1.25 mA/LSB, two's complement, + = discharge */
    uint16_t bus_voltage; /* 1.25 mV/LSB */
    uint16_t power;       /* 10 mW/LSB */
    uint16_t mask_enable;
    uint16_t alert_limit;
    /* Bus and conversion state: not registers, so a reset keeps it (static storage starts it at 0). */
    uint8_t pointer;
    uint8_t write_index;  /* data bytes received in this write transaction (saturates) */
    uint8_t write_msb;
    uint8_t read_index;
    uint16_t read_latch;
    uint8_t conversions_asked;    /* Configuration writes that asked for a conversion (wraps) */
    uint8_t conversions_answered; /* the count the last published measurement started at */
};

void ina260_init(struct ina260 *r);
/* Bus events (from the TWI interrupt). */
void ina260_write_begin(struct ina260 *r);
void ina260_write_byte(struct ina260 *r, uint8_t byte);
void ina260_read_begin(struct ina260 *r);
uint8_t ina260_read_byte(struct ina260 *r);
/* Register values of one measurement, computed outside the critical section. */
struct ina260_values {
    uint16_t current;
    uint16_t bus_voltage;
    uint16_t power;
};

/* Cell voltage (uV) and current (uA, + = discharge) to register units. */
void ina260_convert(struct ina260_values *out, uint32_t v_batt_uv, int32_t current_ua);
/* Taken when a measurement starts; handed to ina260_publish with its values. */
static inline uint8_t ina260_conversion_start(const struct ina260 *r)
{
    return r->conversions_asked;
}
/* A host asked for a conversion that no measurement has answered yet. */
static inline bool ina260_conversion_wanted(const struct ina260 *r)
{
    return r->conversions_asked != r->conversions_answered;
}
/* A new measurement, started at `started`: a few copies and compares, short enough for
 * interrupts-off. Ignored if a Configuration write came after its start. */
void ina260_publish(struct ina260 *r, const struct ina260_values *values, uint8_t started);

#endif
