"""Real hardware: firmware/fuse images, UPDI programming through pymcuprog, INA260 read-out over I2C."""
