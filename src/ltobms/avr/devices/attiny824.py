"""The ATtiny824 (tinyAVR 2-series, 14 pins): memory map, vectors, signature, fuse defaults and the
peripherals present with their base addresses. Facts from the datasheet and the toolchain's
avr/iotn824.h (tests hold this file against that header)."""

from __future__ import annotations

NAME = "ATtiny824"
SIGNATURE = bytes([0x1E, 0x93, 0x29])

FLASH_SIZE = 8 * 1024
FLASH_PAGE = 64
SRAM_START, SRAM_SIZE = 0x3C00, 1024
EEPROM_START, EEPROM_SIZE, EEPROM_PAGE = 0x1400, 128, 32
MAPPED_FLASH_START = 0x8000
SIGROW_START, SIGROW_SIZE = 0x1100, 0x80
FUSE_START, FUSE_SIZE = 0x1280, 10
LOCKBIT_START = 0x128A
USERROW_START, USERROW_SIZE = 0x1300, 32
GPIOR_START = 0x001C  # GPIOR0..3
CPU_START = 0x0030  # CCP 0x34, SP 0x3D/0x3E, SREG 0x3F

# Fuse bytes as a factory-fresh part has them (WDTCFG, BODCFG, OSCCFG, -, -, SYSCFG0, SYSCFG1,
# APPEND, BOOTEND, -); the firmware's .fuse section replaces them when loaded.
FUSE_DEFAULTS = bytes([0x00, 0x00, 0x02, 0xFF, 0xFF, 0xF6, 0x07, 0x00, 0x00, 0xFF])

# Main clock after reset: OSC20M (fuse OSCCFG FREQSEL=2 -> 20 MHz) divided by 6.
OSC20M_HZ = {1: 16_000_000, 2: 20_000_000}
RESET_PRESCALER = 6

# Interrupt vectors (number -> name); vector 0 is RESET.
VECTOR_SIZE_WORDS = 1  # iotn824.h: _VECTOR_SIZE 2 bytes (RJMP vectors on 8 KiB parts)
VECTORS = {
    0: "RESET", 1: "CRCSCAN_NMI", 2: "BOD_VLM", 3: "RTC_CNT", 4: "RTC_PIT", 5: "CCL_CCL",
    6: "PORTA_PORT", 7: "PORTB_PORT", 8: "TCA0_OVF", 9: "TCA0_HUNF", 10: "TCA0_CMP0",
    11: "TCA0_CMP1", 12: "TCA0_CMP2", 13: "TCB0_INT", 14: "TWI0_TWIS", 15: "TWI0_TWIM",
    16: "SPI0_INT", 17: "USART0_RXC", 18: "USART0_DRE", 19: "USART0_TXC", 20: "AC0_AC",
    21: "ADC0_ERROR", 22: "ADC0_RESRDY", 23: "ADC0_SAMPRDY", 24: "PORTC_PORT", 25: "TCB1_INT",
    26: "USART1_RXC", 27: "USART1_DRE", 28: "USART1_TXC", 29: "NVMCTRL_EE",
}

# Peripherals present: (name, base address, module.Class in ltobms.avr.peripherals, parameters).
# Register blocks not listed here stay unmapped, so touching them raises in strict mode.
PERIPHERALS: list[tuple[str, int, str, dict]] = [
    ("NVMCTRL", 0x1000, "nvmctrl.Nvmctrl", {}),
    ("PORTA", 0x0400, "port.Port", {"letter": "A", "vport": 0x0000, "vector": 6, "pins": 8}),
    ("PORTB", 0x0420, "port.Port", {"letter": "B", "vport": 0x0004, "vector": 7, "pins": 4}),
    ("RTC", 0x0140, "rtc.Rtc", {}),
    ("ADC0", 0x0600, "adc.Adc", {"vectors": (21, 22, 23)}),
    ("USART0", 0x0800, "usart.Usart", {"vectors": (17, 18, 19)}),
    ("TWI0", 0x08A0, "twi.Twi", {"vector": 14}),
    ("WDT", 0x0100, "wdt.Wdt", {}),
    ("BOD", 0x0080, "bod.Bod", {}),
    ("VREF", 0x00A0, "plain.Plain", {"registers": {"CTRLA": 0, "CTRLB": 1}}),
    ("PORTMUX", 0x05E0, "plain.Plain", {"registers": {"EVSYSROUTEA": 0, "CCLROUTEA": 1, "USARTROUTEA": 2,
                                                      "SPIROUTEA": 3, "TCAROUTEA": 4, "TCBROUTEA": 5}}),
    ("TCA0", 0x0A00, "tca.Tca", {"vectors": (8, 10, 11, 12)}),
    ("TCB0", 0x0A80, "tcb.Tcb", {"vector": 13}),
    ("TCB1", 0x0A90, "tcb.Tcb", {"vector": 25}),
    # AC0 inputs on the 14-pin package: AINP0 = PA7, AINP2 = PB1; AINN0 = PA6, AINN2 = PB0.
    ("AC0", 0x0680, "ac.Ac", {"vector": 20, "pos": {0: "PA7", 2: "PB1"}, "neg": {0: "PA6", 2: "PB0"}}),
    ("EVSYS", 0x0180, "evsys.Evsys", {}),
    ("SYSCFG", 0x0F00, "plain.Plain", {"registers": {"REVID": 1}, "reset": {1: 0x01}, "readonly": (1,)}),
]
