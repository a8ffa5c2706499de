"""The KEEPALIVED tab: keepalived.conf generated from lvs.cf, checked, compared, applied."""
