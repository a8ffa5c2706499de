"""piranha-web: a web configuration tool for LVS/IPVS routers that reads and writes Piranha's lvs.cf."""

__version__ = "0.1.0"
