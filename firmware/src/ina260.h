/* INA260-compatible register file (design section 4.1). Pure logic: the TWI glue feeds it bus
 * events, main.c publishes measurements into it. No host write reaches anything but the three
 * writable registers below, so I2C traffic cannot change protection or memory outside this file.
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

#define INA260_CONFIG_POWER_ON 0x6127u
#define INA260_CONFIG_RESET 0x8000u
#define INA260_MANUFACTURER_ID 0x5449u
#define INA260_DIE_ID 0x2270u

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
    uint16_t config;
    uint16_t current;     /* 1.25 mA/LSB, two's complement, + = discharge */
    uint16_t bus_voltage; /* 1.25 mV/LSB */
    uint16_t power;       /* 10 mW/LSB */
    uint16_t mask_enable;
    uint16_t alert_limit;
    uint8_t pointer;
    uint8_t write_index;  /* data bytes received in this write transaction (saturates) */
    uint8_t write_msb;
    uint8_t read_index;
    uint16_t read_latch;
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

/* Cell voltage (uV and mV) and current (uA, + = discharge) to register units. */
void ina260_convert(struct ina260_values *out, uint32_t v_batt_uv, int32_t current_ua, uint16_t v_batt_mv);
/* A new measurement: a few copies and compares, short enough for interrupts-off. */
void ina260_publish(struct ina260 *r, const struct ina260_values *values);

#endif
