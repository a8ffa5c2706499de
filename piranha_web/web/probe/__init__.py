"""The TEST and CHECK NOW pages (monitoring checks run now): ``views`` (blueprint ``probe``)."""
