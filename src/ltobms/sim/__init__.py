"""The simulated world around the emulated BMS: the physical models of the pack (cells over state of
charge and temperature), the sun and a small PV panel, chargers and loads on the load terminal, the
ambient climate and the PTC fuse, together with the board's electrical solve, the coupling to the
emulated ATtiny824 and the scenarios built from them. Each model is plain Python in its own module;
time is float seconds since the scenario start, currents in A, voltages in V, temperatures in °C."""
