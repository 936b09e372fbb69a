/* The EEPROM configuration image, format v1 (design section 4.3). Pure logic: the caller hands in
 * the 20 image bytes; nothing here touches a register or writes the EEPROM. */
#ifndef CONFIG_H
#define CONFIG_H

#include <stdint.h>

#define CONFIG_IMAGE_SIZE 20u
#define CONFIG_MAGIC 0x7337u

/* Where the settings came from; the log line reports it as config="...". */
enum config_source {
    CONFIG_FROM_EEPROM = 0,  /* valid image, every value used */
    CONFIG_REPAIRED = 1,     /* valid image, but some limits were unusable and fell back to defaults */
    CONFIG_DEFAULTS = 2,     /* no valid image (magic or CRC): chemistry defaults */
};

struct bms_config {
    uint16_t serial_number;
    int16_t temp_offset_k;
    uint16_t ovlo_cutoff_mv;
    uint16_t ovlo_release_mv;
    uint16_t uvlo_release_mv;
    uint16_t uvlo_cutoff_mv;
    uint16_t max_current_ma;
    uint16_t oclo_timeout_s;
    enum config_source source;
};

uint16_t config_crc16_modbus(const uint8_t *data, uint8_t length);
/* Fills `out` from an image; never fails: unusable parts fall back to the chemistry defaults. */
void config_from_image(const uint8_t image[CONFIG_IMAGE_SIZE], struct bms_config *out);
const char *config_source_name(enum config_source source);

#endif
