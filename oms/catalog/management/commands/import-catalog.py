"""`oms import-catalog`, the spelling of the README: the same command as import_catalog."""

from oms.catalog.management.commands.import_catalog import Command

__all__ = ["Command"]
