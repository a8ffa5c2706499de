"""Panel MAINTENANCE: one real server out of service everywhere, and back (DRAIN, RETURN)."""
