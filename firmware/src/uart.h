/* USART0 transmitter on PB2, 9600 8N1, interrupt-driven: the CPU sleeps while bytes go out. */
#ifndef UART_H
#define UART_H

#include <stdbool.h>
#include <stdint.h>

void uart_init(void);
/* Starts sending `length` bytes from `data`, which must stay unchanged until uart_busy() is false.
 * Returns false (and sends nothing) while a previous transfer is still going out. */
bool uart_send(const char *data, uint8_t length);
/* True until the last stop bit has left the pin (not just the data register). */
bool uart_busy(void);

#endif
