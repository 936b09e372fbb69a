/* ADC sequencing, PGA auto-gain and integer scaling: one call per second gives every quantity. */
#ifndef MEASURE_H
#define MEASURE_H

#include <stdint.h>

struct measurement {
    uint32_t v_batt_uv;
    uint16_t v_batt_mv;
    uint16_t v_load_mv;
    int32_t current_ua;     /* + = discharge (LP - LN > 0), ADC/PGA offset already subtracted */
    int32_t offset_counts;  /* the measured offset (accumulated counts), for DEBUG output */
    int16_t die_temp_k;     /* factory-calibrated, without the user's temp_offset */
    uint8_t gain;           /* PGA gain used for the current: 1, 2, 4, 8 or 16 */
};

void measure_init(void);
/* Runs the whole sequence (~45 ms); the CPU sleeps in IDLE during each conversion. */
void measure_run(struct measurement *m);
/* Cell voltage and current only, with few samples (~2 ms of conversions), for a host that asked
 * the INA260 registers for a fresh conversion. Sets v_batt_uv and current_ua (and offset_counts,
 * gain); leaves the other fields alone. */
void measure_quick(struct measurement *m);

#endif
