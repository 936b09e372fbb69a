#include "config.h"

#include "board.h"

uint16_t config_crc16_modbus(const uint8_t *data, uint8_t length)
{
    uint16_t crc = 0xFFFFu;
    while (length--) {
        crc ^= *data++;
        for (uint8_t bit = 0; bit < 8; bit++) {
            crc = (crc & 1u) ? (uint16_t)((crc >> 1) ^ 0xA001u) : (uint16_t)(crc >> 1);
        }
    }
    return crc;
}

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | ((uint16_t)p[1] << 8));
}

static void set_default_voltages(struct bms_config *c)
{
    c->ovlo_cutoff_mv = BOARD_DEFAULT_OVLO_CUTOFF;
    c->ovlo_release_mv = BOARD_DEFAULT_OVLO_RELEASE;
    c->uvlo_release_mv = BOARD_DEFAULT_UVLO_RELEASE;
    c->uvlo_cutoff_mv = BOARD_DEFAULT_UVLO_CUTOFF;
}

static void set_defaults(struct bms_config *c)
{
    c->serial_number = 0;
    c->temp_offset_k = 0;
    set_default_voltages(c);
    c->max_current_ma = BOARD_DEFAULT_MAX_CURRENT_MA;
    c->oclo_timeout_s = BOARD_DEFAULT_OCLO_TIMEOUT_S;
}

void config_from_image(const uint8_t image[CONFIG_IMAGE_SIZE], struct bms_config *out)
{
    set_defaults(out);
    if (le16(&image[0]) != CONFIG_MAGIC || le16(&image[18]) != config_crc16_modbus(image, 18)) {
        out->source = CONFIG_DEFAULTS;
        return;
    }
    out->source = CONFIG_FROM_EEPROM;
    out->serial_number = le16(&image[2]);
    out->temp_offset_k = (int16_t)le16(&image[4]);
    out->ovlo_cutoff_mv = le16(&image[6]);
    out->ovlo_release_mv = le16(&image[8]);
    out->uvlo_release_mv = le16(&image[10]);
    out->uvlo_cutoff_mv = le16(&image[12]);
    out->max_current_ma = le16(&image[14]);
    out->oclo_timeout_s = le16(&image[16]);

    /* Each hysteresis pair must be ordered; a reversed pair would make the lockout chatter or never
     * release, so that pair alone falls back to its defaults. */
    if (out->ovlo_release_mv >= out->ovlo_cutoff_mv) {
        out->ovlo_cutoff_mv = BOARD_DEFAULT_OVLO_CUTOFF;
        out->ovlo_release_mv = BOARD_DEFAULT_OVLO_RELEASE;
        out->source = CONFIG_REPAIRED;
    }
    if (out->uvlo_cutoff_mv >= out->uvlo_release_mv) {
        out->uvlo_release_mv = BOARD_DEFAULT_UVLO_RELEASE;
        out->uvlo_cutoff_mv = BOARD_DEFAULT_UVLO_CUTOFF;
        out->source = CONFIG_REPAIRED;
    }
    /* The two windows must not overlap (a cell both over- and under-voltage is meaningless). */
    if (out->uvlo_release_mv >= out->ovlo_release_mv) {
        set_default_voltages(out);
        out->source = CONFIG_REPAIRED;
    }
    /* 0 mA would lock out on any current; 0 s would re-close into a short at once. */
    if (out->max_current_ma == 0) {
        out->max_current_ma = BOARD_DEFAULT_MAX_CURRENT_MA;
        out->source = CONFIG_REPAIRED;
    }
    if (out->oclo_timeout_s == 0) {
        out->oclo_timeout_s = BOARD_DEFAULT_OCLO_TIMEOUT_S;
        out->source = CONFIG_REPAIRED;
    }
}

const char *config_source_name(enum config_source source)
{
    switch (source) {
    case CONFIG_FROM_EEPROM:
        return "eeprom";
    case CONFIG_REPAIRED:
        return "repaired";
    default:
        return "defaults";
    }
}
