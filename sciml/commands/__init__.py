"""Subcommands of ``sciml`` that belong to no single package (info, demo)."""
