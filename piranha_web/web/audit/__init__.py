"""The AUDIT page (admins): ``views`` (blueprint ``audit``)."""
