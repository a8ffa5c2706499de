"""The backup-router sync pages and partials: ``views`` (blueprint ``sync``) and its ``form``."""
