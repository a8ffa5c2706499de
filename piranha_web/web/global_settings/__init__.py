"""The GLOBAL SETTINGS panel: ``views`` (blueprint ``global_settings``) and its ``form``."""
