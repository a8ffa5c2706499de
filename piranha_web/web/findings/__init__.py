"""FINDINGS: what lvs.cf on disk has that the daemons would refuse or misread."""
