"""Subcommands of the piranha-web CLI (see piranha_web/cli.py)."""
