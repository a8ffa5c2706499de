"""The CONTROL/MONITORING panel: ``views`` (blueprint ``control``)."""
