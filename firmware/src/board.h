/* Everything that differs between the four variants (chemistry x PCB revision) lives here.
 * The rest of the firmware reads these names and never tests CHEMISTRY_ / BOARD_ itself. */
#ifndef BOARD_H
#define BOARD_H

#include <stdbool.h>
#include <stdint.h>

/* CPU clock: 20 MHz oscillator / 16 = 1.25 MHz. Low enough that active current stays small,
 * fast enough for the once-a-second work (~a few thousand cycles) and for TWI client handling;
 * 9600 baud is reached with BAUD = 521 (-0.03 % error). */
#define F_CPU_HZ 1250000UL

#if defined(CHEMISTRY_LTO)
#define BOARD_MEASUREMENT_NAME "lto-bms"
#define BOARD_VREF_MV 1024u            /* ADC reference: battery full scale 3.072 V */
#define BOARD_DEFAULT_OVLO_CUTOFF 2800u
#define BOARD_DEFAULT_OVLO_RELEASE 2700u
#define BOARD_DEFAULT_UVLO_RELEASE 1800u
#define BOARD_DEFAULT_UVLO_CUTOFF 1700u
#elif defined(CHEMISTRY_NAION)
#define BOARD_MEASUREMENT_NAME "nai-bms"
#define BOARD_VREF_MV 2048u            /* ADC reference: battery full scale 6.144 V */
#define BOARD_DEFAULT_OVLO_CUTOFF 3900u
#define BOARD_DEFAULT_OVLO_RELEASE 3800u
#define BOARD_DEFAULT_UVLO_RELEASE 2200u
#define BOARD_DEFAULT_UVLO_CUTOFF 2000u
#else
#error "define CHEMISTRY_LTO or CHEMISTRY_NAION"
#endif

#define BOARD_DEFAULT_MAX_CURRENT_MA 1000u
#define BOARD_DEFAULT_OCLO_TIMEOUT_S 10u

/* PORTA pins common to both revisions. */
#define BOARD_PIN_ADC_BATT 2   /* PA2 / AIN2, V_batt / 3 */
#define BOARD_PIN_ADC_LOAD 3   /* PA3 / AIN3, V_load / 3 */
#define BOARD_PIN_CUTOFF 4     /* PA4 */
#define BOARD_PIN_ADC_LN 6     /* PA6 / AIN6, shunt end towards the load */
#define BOARD_PIN_ADC_LP 7     /* PA7 / AIN7, shunt end towards the pack (LP - LN > 0 = discharge) */

#if defined(BOARD_revC)
/* rev C: CUTOFF driven high = connected; 3V3 enable on PA5 (low = on). */
#define BOARD_CUTOFF_CONNECTED_HIGH 1
#define BOARD_QWIIC_ON_PORTA 1
#define BOARD_PIN_QWIIC 5
#elif defined(BOARD_revB)
/* rev B: CUTOFF driven low = connected; 3V3 enable on PB3 (low = on). */
#define BOARD_CUTOFF_CONNECTED_HIGH 0
#define BOARD_QWIIC_ON_PORTA 0
#define BOARD_PIN_QWIIC 3
#else
#error "define BOARD_revC or BOARD_revB"
#endif

void board_init(void);
/* Closed = pack connected to the load terminal. Open = CUTOFF high-Z (as after reset). */
void board_set_switch(bool closed);
/* QWIIC 3.3 V output: on = pin driven low, off = high-Z. */
void board_set_qwiic(bool on);

#endif
