"""The LOGIN page: ``views`` (blueprint ``login``)."""
