"""Reusable test machinery that starts real components (sshd, network namespaces)."""
