#include "twi_client.h"

#include <avr/interrupt.h>
#include <avr/io.h>

struct ina260 twi_registers;

static volatile bool in_transaction;
static volatile uint8_t idle_ticks;
static bool read_first_byte;

void twi_client_init(void)
{
    ina260_init(&twi_registers);
    TWI0.SADDR = (uint8_t)(INA260_I2C_ADDRESS << 1);
    TWI0.SCTRLA = TWI_DIEN_bm | TWI_APIEN_bm | TWI_PIEN_bm | TWI_ENABLE_bm;
}

bool twi_client_busy(void)
{
    return in_transaction && idle_ticks < 2;
}

void twi_client_tick(void)
{
    if (idle_ticks < 255) {
        idle_ticks++;
    }
}

ISR(TWI0_TWIS_vect)
{
    uint8_t status = TWI0.SSTATUS;
    idle_ticks = 0;

    if (status & (TWI_BUSERR_bm | TWI_COLL_bm)) {
        /* Bus error or lost arbitration on a read: drop the transaction, wait for the next START. */
        TWI0.SSTATUS = TWI_BUSERR_bm | TWI_COLL_bm;
        TWI0.SCTRLB = TWI_SCMD_COMPTRANS_gc;
        in_transaction = false;
        return;
    }

    if (status & TWI_APIF_bm) {
        if (status & TWI_AP_bm) {
            /* Address match (START or repeated START). An address-only write (a probe) is ACKed too. */
            in_transaction = true;
            if (status & TWI_DIR_bm) {
                ina260_read_begin(&twi_registers);
                read_first_byte = true;
            } else {
                ina260_write_begin(&twi_registers);
            }
            TWI0.SCTRLB = TWI_ACKACT_ACK_gc | TWI_SCMD_RESPONSE_gc;
        } else {
            /* STOP */
            TWI0.SCTRLB = TWI_SCMD_COMPTRANS_gc;
            in_transaction = false;
        }
        return;
    }

    if (status & TWI_DIF_bm) {
        if (status & TWI_DIR_bm) {
            /* Host reads: a NACK after our last byte ends the transfer. */
            if (!read_first_byte && (status & TWI_RXACK_bm)) {
                TWI0.SCTRLB = TWI_SCMD_COMPTRANS_gc;
                return;
            }
            read_first_byte = false;
            TWI0.SDATA = ina260_read_byte(&twi_registers);
            TWI0.SCTRLB = TWI_SCMD_RESPONSE_gc;
        } else {
            ina260_write_byte(&twi_registers, TWI0.SDATA);
            TWI0.SCTRLB = TWI_ACKACT_ACK_gc | TWI_SCMD_RESPONSE_gc;
        }
    }
}
