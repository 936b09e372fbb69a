#include "protect.h"

void protect_init(struct protect *p)
{
    p->lockout = LOCKOUT_NONE;
    p->oclo_remaining_s = 0;
    p->switch_closed = false;
    p->qwiic_on = false;
}

static bool over_current(const struct bms_config *cfg, int32_t current_ua)
{
    int32_t limit_ua = (int32_t)cfg->max_current_ma * 1000L;
    return current_ua > limit_ua || current_ua < -limit_ua;
}

/* Lockout entry from normal operation; order = severity. */
static void enter_lockouts(struct protect *p, const struct bms_config *cfg, const struct protect_input *in)
{
    if (over_current(cfg, in->current_ua)) {
        p->lockout = LOCKOUT_OVER_CURRENT;
        p->oclo_remaining_s = cfg->oclo_timeout_s;
        p->switch_closed = false;
    } else if (in->v_batt_mv >= cfg->ovlo_cutoff_mv) {
        p->lockout = LOCKOUT_OVER_VOLTAGE;
        p->switch_closed = false;
    } else if (in->v_batt_mv <= cfg->uvlo_cutoff_mv) {
        p->lockout = LOCKOUT_UNDER_VOLTAGE;
        p->switch_closed = false;
    }
}

enum bms_state protect_step(struct protect *p, const struct bms_config *cfg, const struct protect_input *in)
{
    /* Over-current wins in every state, including a switch closed for voltage-lockout recovery. */
    if (p->lockout != LOCKOUT_OVER_CURRENT && over_current(cfg, in->current_ua)) {
        p->lockout = LOCKOUT_NONE;
    }

    switch (p->lockout) {
    case LOCKOUT_OVER_CURRENT:
        if (p->oclo_remaining_s > 1) {
            p->oclo_remaining_s--;
            p->switch_closed = false;
            break;
        }
        /* Hold time over: back to normal, judged on this same measurement. */
        p->lockout = LOCKOUT_NONE;
        p->oclo_remaining_s = 0;
        /* The switch was open, so the current seen now is no evidence of a fault. */
        p->switch_closed = true;
        if (in->v_batt_mv >= cfg->ovlo_cutoff_mv) {
            p->lockout = LOCKOUT_OVER_VOLTAGE;
            p->switch_closed = false;
        } else if (in->v_batt_mv <= cfg->uvlo_cutoff_mv) {
            p->lockout = LOCKOUT_UNDER_VOLTAGE;
            p->switch_closed = false;
        }
        break;
    case LOCKOUT_UNDER_VOLTAGE:
        if (in->v_batt_mv >= cfg->uvlo_release_mv) {
            p->lockout = LOCKOUT_NONE;
            p->switch_closed = true;
            break;
        }
        /* Closed only for charging: a charger lifts the open load side 50 mV above the cell; once
         * closed, the charging current itself is the evidence. */
        p->switch_closed = (p->switch_closed && in->current_ua <= -PROTECT_RECOVERY_MIN_UA)
                           || in->v_load_mv >= (uint16_t)(in->v_batt_mv + PROTECT_BYPASS_MARGIN_MV);
        break;
    case LOCKOUT_OVER_VOLTAGE:
        if (in->v_batt_mv <= cfg->ovlo_release_mv) {
            p->lockout = LOCKOUT_NONE;
            p->switch_closed = true;
            break;
        }
        /* Closed only for discharging: the load side sits 50 mV below the cell; once closed, the
         * discharge current is the evidence. */
        p->switch_closed = (p->switch_closed && in->current_ua >= PROTECT_RECOVERY_MIN_UA)
                           || (uint32_t)in->v_load_mv + PROTECT_BYPASS_MARGIN_MV <= in->v_batt_mv;
        break;
    case LOCKOUT_NONE:
    default:
        p->switch_closed = true;
        enter_lockouts(p, cfg, in);
        break;
    }

    /* QWIIC 3.3 V: as the original firmware, kept on while over-voltage locked (the node may keep
     * discharging the full pack), off in the other lockouts (save the pack / isolate a fault). */
    p->qwiic_on = p->lockout == LOCKOUT_NONE || p->lockout == LOCKOUT_OVER_VOLTAGE;

    switch (p->lockout) {
    case LOCKOUT_UNDER_VOLTAGE:
        return BMS_STATE_UVLO;
    case LOCKOUT_OVER_VOLTAGE:
        return BMS_STATE_OVLO;
    case LOCKOUT_OVER_CURRENT:
        return BMS_STATE_OCLO;
    default:
        break;
    }
    if (in->current_ua >= PROTECT_IDLE_BAND_UA) {
        return BMS_STATE_DISCHARGING;
    }
    if (in->current_ua <= -PROTECT_IDLE_BAND_UA) {
        return BMS_STATE_CHARGING;
    }
    return BMS_STATE_IDLE;
}

const char *protect_state_name(enum bms_state state)
{
    switch (state) {
    case BMS_STATE_UVLO:
        return "BMS_STATE_UVLO";
    case BMS_STATE_OVLO:
        return "BMS_STATE_OVLO";
    case BMS_STATE_OCLO:
        return "BMS_STATE_OCLO";
    case BMS_STATE_CHARGING:
        return "BMS_STATE_CHARGING";
    case BMS_STATE_DISCHARGING:
        return "BMS_STATE_DISCHARGING";
    default:
        return "BMS_STATE_IDLE";
    }
}
