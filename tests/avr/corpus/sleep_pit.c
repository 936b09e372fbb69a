/* Interrupts with sleep: the RTC PIT wakes the CPU from STANDBY; the ISR counts the wake-ups. */
#include "check.h"
#include "case.h"
#include <avr/interrupt.h>
#include <avr/sleep.h>

static volatile uint8_t ticks;
static volatile uint8_t wakeups;

ISR(RTC_PIT_vect)
{
    RTC.PITINTFLAGS = RTC_PI_bm;
    ticks++;
}

int main(void)
{
    while (RTC.PITSTATUS & RTC_CTRLBUSY_bm) {
    }
    RTC.CLKSEL = RTC_CLKSEL_INT32K_gc;
    RTC.PITINTCTRL = RTC_PI_bm;
    RTC.PITCTRLA = PIT_PERIOD | RTC_PITEN_bm;
    set_sleep_mode(SLEEP_MODE_STANDBY);
    sleep_enable();
    sei();
    while (ticks < TICKS) {
        sleep_cpu();
        wakeups++;
    }
    cli();
    CHECK(10, ticks == TICKS);
    CHECK(11, wakeups == TICKS); /* nothing but the PIT woke the CPU */
    finish(PASS, 0, 0);
}
