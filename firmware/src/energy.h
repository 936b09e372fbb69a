/* Charge (mAh) and energy (mWh) counters, integrated once per measurement second. Pure logic.
 * Each counter keeps its sub-unit remainder, so nothing is lost to truncation second by second.
 * Ranges: 2 A for 10 years is 175 million mAh and (at 4 V) 700 million mWh, inside 32 bits. */
#ifndef ENERGY_H
#define ENERGY_H

#include <stdint.h>

struct energy {
    int32_t charge_mah;      /* net charge out of the pack: + = discharged */
    int32_t charge_rem_uas;  /* remainder, microampere-seconds, |x| < 3.6e6 */
    uint32_t discharged_mwh;
    uint32_t discharged_rem; /* remainder, 10 nW*s units, < 3.6e8 */
    uint32_t charged_mwh;
    uint32_t charged_rem;
    uint8_t current_rem_ua;  /* sub-10 uA part of the current, carried into the next second */
};

/* One second at cell voltage v_mv and current i_ua (+ = discharge). */
void energy_add_second(struct energy *e, uint16_t v_mv, int32_t i_ua);

#endif
