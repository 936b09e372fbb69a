#include "measure.h"

#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/sleep.h>
#include <stdbool.h>

#include "board.h"

/* Reference factor: 1 for 1.024 V (LTO), 2 for 2.048 V (Na-ion). */
#define VREF_FACTOR (BOARD_VREF_MV / 1024u)
#if BOARD_VREF_MV == 1024u
#define ADC_REFSEL_CELL ADC_REFSEL_1024MV_gc
#else
#define ADC_REFSEL_CELL ADC_REFSEL_2048MV_gc
#endif

/* ADC clock 1.25 MHz / 2 = 625 kHz. TIMEBASE = CLK_PER cycles per microsecond, rounded up. */
#define ADC_TIMEBASE ((uint8_t)(((F_CPU_HZ + 999999UL) / 1000000UL) << ADC_TIMEBASE_gp))
/* Sampling: >= 32 us for the temperature sensor (20 ADC clocks at 625 kHz); the same keeps the
 * 1 MOhm dividers' sampling error small. */
#define ADC_SAMPDUR_CLOCKS 20u
#define VOLTAGE_SAMPLES ADC_SAMPNUM_ACC16_gc  /* 16 samples: voltage resolution 47 uV (LTO) */
/* 256 samples each for offset and signal: 1.2 uA per count at gain 16 (LTO) and, with ~1 LSB rms of
 * converter noise, about 30 uA rms on the difference: resolution well under 0.1 mA. */
#define CURRENT_SAMPLES ADC_SAMPNUM_ACC256_gc
/* A quick measurement (measure_quick), about 2 ms of conversions: 4 samples for the cell, 8 each
 * for the current's offset and signal; LOWLAT keeps the reference and PGA running between its
 * conversions, and the PGA's low-impedance output needs only a short ADC sampling time. */
#define QUICK_VOLTAGE_SAMPLES ADC_SAMPNUM_ACC4_gc
#define QUICK_CURRENT_SAMPLES ADC_SAMPNUM_ACC8_gc
#define QUICK_PGA_SAMPDUR_CLOCKS 4u
/* Auto-gain keeps the expected signal under 3/4 of the differential full scale (2048 counts). */
#define GAIN_HEADROOM_COUNTS 1536

static volatile bool conversion_done;

ISR(ADC0_RESRDY_vect)
{
    ADC0.INTCTRL = 0;
    conversion_done = true;
}

void measure_init(void)
{
    ADC0.CTRLB = ADC_PRESC_DIV2_gc;
    ADC0.CTRLE = ADC_SAMPDUR_CLOCKS;
}

/* One conversion (or burst) with the CPU in IDLE until the result is ready. Interrupts stay on. */
static int32_t convert(uint8_t muxpos, uint8_t muxneg, uint8_t command, uint8_t sampnum)
{
    ADC0.MUXPOS = muxpos;
    ADC0.MUXNEG = muxneg;
    ADC0.CTRLF = sampnum;
    conversion_done = false;
    ADC0.INTFLAGS = ADC_RESRDY_bm;
    ADC0.INTCTRL = ADC_RESRDY_bm;
    ADC0.COMMAND = command | ADC_START_IMMEDIATE_gc;
    set_sleep_mode(SLEEP_MODE_IDLE);
    for (;;) {
        cli();
        if (conversion_done) {
            break;
        }
        sleep_enable();
        sei();
        sleep_cpu(); /* the instruction after SEI runs before any interrupt: no lost wake-up */
        sleep_disable();
    }
    sei();
    return (int32_t)ADC0.RESULT;
}

static int32_t differential_single(uint8_t gain_gc)
{
    ADC0.PGACTRL = gain_gc | ADC_PGABIASSEL_1X_gc | ADC_ADCPGASAMPDUR_15CLK_gc | ADC_PGAEN_bm;
    int32_t raw = convert(ADC_VIA_PGA_gc | ADC_MUXPOS_AIN7_gc, ADC_VIA_PGA_gc | ADC_MUXNEG_AIN6_gc,
                          ADC_DIFF_bm | ADC_MODE_SINGLE_12BIT_gc, ADC_SAMPNUM_NONE_gc);
    return (int16_t)(uint16_t)raw; /* 12-bit two's complement, sign-extended in the low 16 bits */
}

/* `sampnum` is an ADC_SAMPNUM_ACCn_gc value, which is log2(n). */
static uint32_t divider_voltage_uv(uint8_t ain, uint8_t sampnum)
{
    /* Sum of 2^sampnum 12-bit codes; at the cell (x3 divider):
     * uV = sum * 3 * Vref_uV / (4096 * 2^sampnum) = (sum * 750 * VREF_FACTOR) >> sampnum. */
    uint32_t sum = (uint32_t)convert(ADC_VIA_ADC_gc | ain, ADC_MUXNEG_GND_gc, ADC_MODE_BURST_gc, sampnum);
    return (sum * 750UL * VREF_FACTOR + (1UL << (sampnum - 1u))) >> sampnum;
}

static uint16_t uv_to_mv(uint32_t uv)
{
    return (uint16_t)((uv + 500UL) / 1000UL);
}

static int16_t die_temperature_k(void)
{
    /* Datasheet procedure: 1.024 V reference, 12-bit single-ended, top 10 bits, signature-row
     * offset (signed) and gain (unsigned, /256). */
    int32_t raw = convert(ADC_MUXPOS_TEMPSENSE_gc, ADC_MUXNEG_GND_gc, ADC_MODE_SINGLE_12BIT_gc,
                          ADC_SAMPNUM_NONE_gc);
    int8_t offset = (int8_t)SIGROW.TEMPSENSE1;
    uint8_t gain = SIGROW.TEMPSENSE0;
    int32_t t = ((int32_t)(raw >> 2) - offset) * gain;
    return (int16_t)((t + 0x80) >> 8);
}

/* Largest PGA gain that keeps the signal seen at gain 1 inside the headroom. */
static uint8_t choose_gain_shift(int16_t counts_at_gain1)
{
    int16_t magnitude = counts_at_gain1 < 0 ? (int16_t)-counts_at_gain1 : counts_at_gain1;
    uint8_t shift = 4;
    while (shift > 0 && ((int32_t)magnitude << shift) > GAIN_HEADROOM_COUNTS) {
        shift--;
    }
    return shift;
}

/* numerator / 2^shift to the nearest, halves away from zero (a shift: a 32-bit division costs
 * ~500 cycles at 1.25 MHz). */
static int32_t round_shift(int32_t numerator, uint8_t shift)
{
    int32_t half = (1L << shift) >> 1;
    return numerator >= 0 ? (numerator + half) >> shift : -((half - numerator) >> shift);
}

/* Selects a reference and discards one conversion: the first result after enabling the ADC or
 * switching the reference may be taken before the reference has settled, and a low cell reading
 * right after reset would lock the pack out for nothing. */
static void select_reference(uint8_t refsel)
{
    ADC0.CTRLC = refsel | ADC_TIMEBASE;
    (void)convert(ADC_MUXPOS_GND_gc, ADC_MUXNEG_GND_gc, ADC_MODE_SINGLE_12BIT_gc, ADC_SAMPNUM_NONE_gc);
}

/* The whole sequence, or (quick) only the cell voltage and the current with few samples. */
static void measure(struct measurement *m, bool quick)
{
    uint8_t voltage_samples = quick ? QUICK_VOLTAGE_SAMPLES : VOLTAGE_SAMPLES;
    uint8_t current_samples = quick ? QUICK_CURRENT_SAMPLES : CURRENT_SAMPLES;
    ADC0.CTRLE = ADC_SAMPDUR_CLOCKS;
    ADC0.CTRLA = quick ? (ADC_ENABLE_bm | ADC_LOWLAT_bm) : ADC_ENABLE_bm;

    select_reference(ADC_REFSEL_1024MV_gc);
    if (!quick) {
        m->die_temp_k = die_temperature_k();
    }
#if BOARD_VREF_MV != 1024u
    select_reference(ADC_REFSEL_CELL);
#endif
    m->v_batt_uv = divider_voltage_uv(ADC_MUXPOS_AIN2_gc, voltage_samples);
    if (quick) {
        ADC0.CTRLE = QUICK_PGA_SAMPDUR_CLOCKS;
    } else {
        m->v_batt_mv = uv_to_mv(m->v_batt_uv);
        m->v_load_mv = uv_to_mv(divider_voltage_uv(ADC_MUXPOS_AIN3_gc, voltage_samples));
    }

    /* Current: a quick gain-1 look picks the gain; then the offset (both PGA inputs on the same
     * node) and the signal are each accumulated at that gain, and the offset is subtracted. Small
     * currents are therefore kept, not discarded as noise. */
    uint8_t shift = choose_gain_shift((int16_t)differential_single(ADC_GAIN_1X_gc));
    uint8_t gain_gc = (uint8_t)(shift << ADC_GAIN_gp);
    ADC0.PGACTRL = gain_gc | ADC_PGABIASSEL_1X_gc | ADC_ADCPGASAMPDUR_15CLK_gc | ADC_PGAEN_bm;
    int32_t offset = convert(ADC_VIA_PGA_gc | ADC_MUXPOS_AIN6_gc, ADC_VIA_PGA_gc | ADC_MUXNEG_AIN6_gc,
                             ADC_DIFF_bm | ADC_MODE_BURST_gc, current_samples);
    int32_t signal = convert(ADC_VIA_PGA_gc | ADC_MUXPOS_AIN7_gc, ADC_VIA_PGA_gc | ADC_MUXNEG_AIN6_gc,
                             ADC_DIFF_bm | ADC_MODE_BURST_gc, current_samples);
    /* n = 2^current_samples samples each (n >= 8):
     * uA = counts * Vref_uV / (2048 * gain * n) / 0.1 Ohm = counts * 625 * VREF_FACTOR * 8 / (gain * n).
     * |counts| <= 2 * 256 * 2048, so the product stays below 2^31. */
    m->current_ua = round_shift((signal - offset) * (625L * VREF_FACTOR), (uint8_t)(shift + current_samples - 3u));
    m->offset_counts = offset;
    m->gain = (uint8_t)(1u << shift);

    ADC0.PGACTRL = 0;
    ADC0.CTRLA = 0; /* ADC and PGA off between measurements */
}

void measure_run(struct measurement *m)
{
    measure(m, false);
}

void measure_quick(struct measurement *m)
{
    measure(m, true);
}
