#include "energy.h"

#define UAS_PER_MAH 3600000L
/* Power is integrated in units of 10 nW (mV x 10 uA) so one second at 4 V, 2 A (8e8) fits. */
#define UNITS_PER_MWH 360000000UL

static void add_energy(uint32_t *mwh, uint32_t *rem, uint32_t units)
{
    *rem += units;
    if (*rem >= UNITS_PER_MWH) {
        uint32_t whole = *rem / UNITS_PER_MWH;
        *mwh += whole;
        *rem -= whole * UNITS_PER_MWH;
    }
}

void energy_add_second(struct energy *e, uint16_t v_mv, int32_t i_ua)
{
    e->charge_rem_uas += i_ua;
    if (e->charge_rem_uas >= UAS_PER_MAH || e->charge_rem_uas <= -UAS_PER_MAH) {
        int32_t whole = e->charge_rem_uas / UAS_PER_MAH; /* truncates toward zero: remainder keeps sign */
        e->charge_mah += whole;
        e->charge_rem_uas -= whole * UAS_PER_MAH;
    }

    uint32_t magnitude_ua = (uint32_t)(i_ua < 0 ? -i_ua : i_ua);
    /* Power in 10 uA steps; the sub-10 uA part is carried, so microamp currents still add up. */
    uint32_t total_ua = magnitude_ua + e->current_rem_ua;
    uint32_t tens = total_ua / 10u;
    e->current_rem_ua = (uint8_t)(total_ua - tens * 10u);
    uint32_t units = (uint32_t)v_mv * tens;
    if (i_ua > 0) {
        add_energy(&e->discharged_mwh, &e->discharged_rem, units);
    } else if (i_ua < 0) {
        add_energy(&e->charged_mwh, &e->charged_rem, units);
    }
}
