"""One module per ATtiny824 peripheral; each is configured by its entry in the device description."""
