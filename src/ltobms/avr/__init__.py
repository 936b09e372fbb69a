"""An emulated ATtiny824 (AVRxt core + tinyAVR 2-series peripherals) that runs real firmware images."""
