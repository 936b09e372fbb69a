"""Device descriptions: a new chip of the family is a new data file, not new code."""
