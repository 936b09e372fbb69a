/* Pin setup and the two outputs the protection drives. Disconnecting is always "high-Z" so the
 * disconnected state equals the reset state of the pin. */
#include "board.h"

#include <avr/io.h>

void board_init(void)
{
    /* Analog inputs: digital input buffers off (lower leakage, no crowbar current at mid-rail). */
    PORTA.PIN2CTRL = PORT_ISC_INPUT_DISABLE_gc;
    PORTA.PIN3CTRL = PORT_ISC_INPUT_DISABLE_gc;
    PORTA.PIN6CTRL = PORT_ISC_INPUT_DISABLE_gc;
    PORTA.PIN7CTRL = PORT_ISC_INPUT_DISABLE_gc;
    /* TXD idles high. */
    PORTB.OUTSET = PIN2_bm;
    PORTB.DIRSET = PIN2_bm;
    board_set_switch(false);
    board_set_qwiic(false);
}

void board_set_switch(bool closed)
{
    const uint8_t pin = (uint8_t)(1u << BOARD_PIN_CUTOFF);
    if (!closed) {
        PORTA.DIRCLR = pin;
        PORTA.OUTCLR = pin;
        return;
    }
#if BOARD_CUTOFF_CONNECTED_HIGH
    PORTA.OUTSET = pin;
#else
    PORTA.OUTCLR = pin;
#endif
    PORTA.DIRSET = pin;
}

void board_set_qwiic(bool on)
{
    const uint8_t pin = (uint8_t)(1u << BOARD_PIN_QWIIC);
#if BOARD_QWIIC_ON_PORTA
    PORT_t *const port = &PORTA;
#else
    PORT_t *const port = &PORTB;
#endif
    port->OUTCLR = pin;
    if (on) {
        port->DIRSET = pin;
    } else {
        port->DIRCLR = pin;
    }
}
