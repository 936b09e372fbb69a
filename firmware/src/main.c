/* The sleep loop: wake once a second (RTC PIT), measure, protect, count, publish, log. Everything
 * else (TWI, UART) runs from interrupts while the CPU sleeps. */
#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/sleep.h>
#include <avr/wdt.h>
#include <avr/xmega.h>
#include <stdbool.h>
#include <util/atomic.h>

#include "board.h"
#include "config.h"
#include "energy.h"
#include "ina260.h"
#include "log.h"
#include "measure.h"
#include "protect.h"
#include "twi_client.h"
#include "uart.h"

#define LOG_PERIOD_S 60u

static volatile bool second_elapsed;
static char line[LOG_LINE_MAX];

#if DEBUG
/* Test hook (DEBUG builds only): a non-zero value makes the main loop spin, as a hung firmware
 * would, so the watchdog reset can be proven. */
volatile uint8_t debug_hang;
#endif

ISR(RTC_PIT_vect)
{
    RTC.PITINTFLAGS = RTC_PI_bm;
    second_elapsed = true;
}

static void clock_init(void)
{
    /* 20 MHz / 16 = 1.25 MHz (see board.h). */
    _PROTECTED_WRITE(CLKCTRL.MCLKCTRLB, CLKCTRL_PDIV_16X_gc | CLKCTRL_PEN_bm);
}

static void pit_init(void)
{
    RTC.CLKSEL = RTC_CLKSEL_INT32K_gc;
    while (RTC.PITSTATUS & RTC_CTRLBUSY_bm) {
    }
    RTC.PITINTCTRL = RTC_PI_bm;
    RTC.PITCTRLA = RTC_PERIOD_CYC32768_gc | RTC_PITEN_bm;
}

static void load_config(struct bms_config *cfg)
{
    uint8_t image[CONFIG_IMAGE_SIZE];
    const volatile uint8_t *eeprom = (const volatile uint8_t *)EEPROM_START;
    for (uint8_t i = 0; i < CONFIG_IMAGE_SIZE; i++) {
        image[i] = eeprom[i];
    }
    config_from_image(image, cfg);
}

#if DEBUG
static void debug_line(const struct measurement *m, uint32_t uptime_s)
{
    struct text t = {line, line + LOG_LINE_MAX - 1};
    text_str(&t, "# t=");
    text_u32(&t, uptime_s);
    text_str(&t, " vb_uv=");
    text_u32(&t, m->v_batt_uv);
    text_str(&t, " ia_ua=");
    text_i32(&t, m->current_ua);
    text_str(&t, " off=");
    text_i32(&t, m->offset_counts);
    text_str(&t, " g=");
    text_u32(&t, m->gain);
    text_str(&t, "\n");
    uart_send(line, (uint8_t)(t.next - line));
}
#endif

/* Hands a measurement to the INA260 registers (started = ina260_conversion_start at its start). */
static void publish(const struct measurement *m, uint8_t started)
{
    struct ina260_values values;
    ina260_convert(&values, m->v_batt_uv, m->current_ua);
    ATOMIC_BLOCK(ATOMIC_RESTORESTATE)
    {
        ina260_publish(&twi_registers, &values, started);
    }
}

/* A host's Configuration write (reset bit, triggered or new mode) asked for fresh registers: a
 * quick measurement answers within ~3 ms. It feeds the register file only, never protection or
 * the counters, and the once-a-second measurement always goes first. */
static void answer_host_conversion(void)
{
    uint8_t started = ina260_conversion_start(&twi_registers);
    struct measurement quick;
    measure_quick(&quick);
    publish(&quick, started);
}

/* Sleep until an interrupt. STANDBY stops the peripheral clock, so IDLE while the UART or a TWI
 * transaction still needs it. */
static void sleep_until_interrupt(void)
{
    cli();
    if (!second_elapsed && !ina260_conversion_wanted(&twi_registers)) {
        set_sleep_mode((uart_busy() || twi_client_busy()) ? SLEEP_MODE_IDLE : SLEEP_MODE_STANDBY);
        sleep_enable();
        sei();
        sleep_cpu();
        sleep_disable();
    }
    sei();
}

int main(void)
{
    static struct bms_config cfg;
    static struct protect protection;
    static struct energy energy;
    static struct measurement m;
    uint32_t uptime_s = 0;
    uint8_t seconds_to_log = 0; /* a countdown instead of a 32-bit modulo every second */

    uint8_t reset_flags = RSTCTRL.RSTFR;
    RSTCTRL.RSTFR = reset_flags; /* clear, so the next reset reports only its own cause */

    clock_init();
    board_init(); /* switch open, QWIIC off until the first measurement */
    protect_init(&protection);
    load_config(&cfg);
    twi_client_init();
    uart_init();
    measure_init();
    pit_init();
    second_elapsed = true; /* measure at once: protection is active within milliseconds of reset */
    sei();

    for (;;) {
        wdt_reset();
#if DEBUG
        while (debug_hang) {
        }
#endif
        if (second_elapsed) {
            second_elapsed = false;
            twi_client_tick();
            uint8_t started = ina260_conversion_start(&twi_registers);
            measure_run(&m);

            struct protect_input in = {m.v_batt_mv, m.v_load_mv, m.current_ua};
            enum bms_state state = protect_step(&protection, &cfg, &in);
            board_set_switch(protection.switch_closed);
            board_set_qwiic(protection.qwiic_on);

            energy_add_second(&energy, m.v_batt_mv, m.current_ua);
            publish(&m, started);

            if (seconds_to_log == 0) {
                seconds_to_log = LOG_PERIOD_S;
                struct log_record r = {
                    .uptime_s = uptime_s,
                    .serial_number = cfg.serial_number,
                    .v_batt_mv = m.v_batt_mv,
                    .v_load_mv = m.v_load_mv,
                    .current_ua = m.current_ua,
                    .discharged_mwh = energy.discharged_mwh,
                    .charged_mwh = energy.charged_mwh,
                    .charge_mah = energy.charge_mah,
                    .temp_k = (int16_t)(m.die_temp_k + cfg.temp_offset_k),
                    .gain = m.gain,
                    .state = state,
                    .config_source = cfg.source,
                    .reset_flags = reset_flags,
                };
                uart_send(line, log_format_line(line, &r));
            }
#if DEBUG
            else {
                debug_line(&m, uptime_s);
            }
#endif
            seconds_to_log--;
            uptime_s++;
        } else if (ina260_conversion_wanted(&twi_registers)) {
            answer_host_conversion();
        }
        sleep_until_interrupt();
    }
}
