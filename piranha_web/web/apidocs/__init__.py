"""The REST API's browsable documentation (a web panel)."""
