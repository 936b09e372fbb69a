/* The protection state machine (design section 3). Pure logic: measurements in, switch and QWIIC
 * decisions out. main.c applies the decisions to the pins. */
#ifndef PROTECT_H
#define PROTECT_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

enum bms_state {
    BMS_STATE_UVLO,
    BMS_STATE_OVLO,
    BMS_STATE_OCLO,
    BMS_STATE_CHARGING,
    BMS_STATE_DISCHARGING,
    BMS_STATE_IDLE,
};

enum protect_lockout {
    LOCKOUT_NONE,
    LOCKOUT_UNDER_VOLTAGE,
    LOCKOUT_OVER_VOLTAGE,
    LOCKOUT_OVER_CURRENT,
};

/* Load side this far above (charger) or below (load) the cell lets a locked-out pack recover. */
#define PROTECT_BYPASS_MARGIN_MV 50u
/* While a voltage lockout has the switch closed for recovery, it stays closed only while current
 * flows in the recovering direction by at least this much (0.1 mA). */
#define PROTECT_RECOVERY_MIN_UA 100L
/* |current| below this is reported as IDLE. */
#define PROTECT_IDLE_BAND_UA 1000L

struct protect {
    enum protect_lockout lockout;
    uint16_t oclo_remaining_s;
    bool switch_closed;
    bool qwiic_on;
};

struct protect_input {
    uint16_t v_batt_mv;
    uint16_t v_load_mv;
    int32_t current_ua; /* + = discharge */
};

/* Reset state: switch open, QWIIC off, until the first measurement is evaluated. */
void protect_init(struct protect *p);
/* One measurement period (1 s). Updates p->switch_closed / p->qwiic_on; returns the reported state. */
enum bms_state protect_step(struct protect *p, const struct bms_config *cfg, const struct protect_input *in);
const char *protect_state_name(enum bms_state state);

#endif
