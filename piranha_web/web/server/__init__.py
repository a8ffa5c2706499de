"""The REAL SERVER subsection: ``views`` (blueprint ``server``) and its ``form``."""
