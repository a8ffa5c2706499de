"""The MONITORING SCRIPTS subsection: ``views`` (blueprint ``monitoring``)."""
