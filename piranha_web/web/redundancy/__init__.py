"""The REDUNDANCY panel: ``views`` (blueprint ``redundancy``) and its ``form``."""
