"""GET /metrics: the tool's own state and this router's IPVS numbers for Prometheus."""
