/* TWI0 client at the INA260 address: interrupt-driven glue between the bus and ina260.c. */
#ifndef TWI_CLIENT_H
#define TWI_CLIENT_H

#include <stdbool.h>

#include "ina260.h"

extern struct ina260 twi_registers;

void twi_client_init(void);
/* True while a transaction is under way (the CPU must not enter STANDBY then: the client needs
 * the peripheral clock for data bytes). A transaction the host abandons without STOP stops
 * counting as busy after two measurement periods without bus activity. */
bool twi_client_busy(void);
/* Once per measurement period, from the main loop. */
void twi_client_tick(void);

#endif
