"""piranha-web: web configuration tool for LVS routers, reading and writing Piranha's lvs.cf."""

__version__ = "0.1.0"
