"""lto-bms host toolkit and digital twin."""

__version__ = "0.1.0"
