#include "uart.h"

#include <avr/interrupt.h>
#include <avr/io.h>

#include "board.h"

#define UART_BAUD_RATE 9600UL
/* Asynchronous normal speed: BAUD = 64 * f / (16 * baud), rounded (521 at 1.25 MHz, -0.03 %). */
#define UART_BAUD_REGISTER ((64UL * F_CPU_HZ + 8UL * UART_BAUD_RATE) / (16UL * UART_BAUD_RATE))

static const char *volatile tx_next;
static volatile uint8_t tx_left;
static volatile bool tx_busy;

void uart_init(void)
{
    USART0.BAUD = (uint16_t)UART_BAUD_REGISTER;
    USART0.CTRLC = USART_CMODE_ASYNCHRONOUS_gc | USART_PMODE_DISABLED_gc | USART_SBMODE_1BIT_gc
                   | USART_CHSIZE_8BIT_gc;
    USART0.CTRLB = USART_TXEN_bm;
}

bool uart_send(const char *data, uint8_t length)
{
    if (tx_busy || length == 0) {
        return false;
    }
    tx_next = data;
    tx_left = length;
    tx_busy = true;
    USART0.CTRLA = USART_DREIE_bm;
    return true;
}

bool uart_busy(void)
{
    return tx_busy;
}

ISR(USART0_DRE_vect)
{
    const char *p = tx_next;
    USART0.STATUS = USART_TXCIF_bm; /* only the completion of the final byte may end the transfer */
    USART0.TXDATAL = (uint8_t)*p++;
    tx_next = p;
    if (--tx_left == 0) {
        USART0.CTRLA = USART_TXCIE_bm;
    }
}

ISR(USART0_TXC_vect)
{
    USART0.STATUS = USART_TXCIF_bm;
    USART0.CTRLA = 0;
    tx_busy = false;
}
