"""Subcommands of `ltobms`, one module each (see `ltobms.cli`)."""
