"""The USERS page (admins): ``views`` (blueprint ``users``) and its ``form``."""
