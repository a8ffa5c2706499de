"""The HISTORY tab: ``views`` (blueprint ``history``): revisions, compare, RESTORE / UNDO."""
