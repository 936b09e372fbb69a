/* Placeholder until the firmware lands: keeps the pack disconnected (CUTOFF high-Z) and sleeps. */
#include <avr/io.h>
#include <avr/sleep.h>

int main(void)
{
    set_sleep_mode(SLEEP_MODE_PWR_DOWN);
    for (;;) {
        sleep_mode();
    }
}
