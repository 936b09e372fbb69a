/* Fuse bytes, placed in the ELF's .fuse section (programmed by `make fuses`, loaded by the twin). */
#include <avr/io.h>

FUSES = {
    /* WDTCFG: watchdog on from reset, 2.0 s timeout, no window. Enabled by fuse so no firmware
     * fault can leave it off; the main loop resets it every 1 s measurement period (2x margin,
     * both timers run from the same 32 kHz oscillator). */
    .WDTCFG = PERIOD_2KCLK_gc | WINDOW_OFF_gc,
    /* BODCFG: 2.6 V level, enabled while active, sampled (125 Hz) in sleep. The MCU is fed 3.3 V by
     * the boost converter: 2.6 V trips only when the boost has failed, keeps the CPU in reset (CUTOFF
     * high-Z = pack disconnected) before VDD gets too low for the 2.048 V ADC reference or reliable
     * execution, and leaves a 0.7 V margin against boost ripple. Sampled mode in sleep saves current
     * while the CPU, sleeping, cannot misbehave. */
    .BODCFG = LVL_BODLEVEL2_gc | SAMPFREQ_125HZ_gc | ACTIVE_ENABLED_gc | SLEEP_SAMPLED_gc,
    /* OSCCFG: 20 MHz oscillator (divided by 16 in main.c), calibration not locked. */
    .OSCCFG = FREQSEL_20MHZ_gc,
    .reserved_1 = {0xFF, 0xFF},
    /* SYSCFG0: EESAVE = 1 so a chip erase (reflashing) keeps the EEPROM configuration; RSTPINCFG
     * left at UPDI so the part stays programmable; no boot-time CRC; other bits at their defaults. */
    .SYSCFG0 = CRCSRC_NOCRC_gc | 0x20 | FUSE_TOUTDIS_bm | RSTPINCFG_UPDI_gc | 0x02 | FUSE_EESAVE_bm,
    /* SYSCFG1: 64 ms start-up delay (default) so the boost output settles before the CPU runs. */
    .SYSCFG1 = SUT_64MS_gc,
    /* No boot or application-data sections: the whole flash is application code. */
    .APPEND = 0x00,
    .BOOTEND = 0x00,
};
