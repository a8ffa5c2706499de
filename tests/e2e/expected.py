"""Golden lvs.cf texts the end-to-end flows must produce (checked by eye, then frozen)."""

# lvs.cf.example after the VIRTUAL SERVERS flow of test_virtual_servers_flow.py: ftp added with
# every field, two real servers added, edited, renamed and activated, a monitoring script set,
# ftp activated and www deleted.  Ten saves, so serial_no goes from 1 to 11.
FLOW_RESULT = """\
serial_no = 11
primary = 192.0.2.1
service = lvs
backup_active = 1
backup = 192.0.2.2
heartbeat = 1
heartbeat_port = 539
keepalive = 6
deadtime = 18
network = direct
virtual shop-http {
     active = 1
     address = 198.51.100.20 eth0:2
     vip_nmask = 255.255.255.0
     fwmark = 80
     port = 80
     persistent = 300
     send = "GET / HTTP/1.0\\r\\n\\r\\n"
     expect = "HTTP"
     use_regex = 0
     load_monitor = none
     scheduler = wlc
     protocol = tcp
     timeout = 6
     reentry = 15
     quiesce_server = 0
     server shop1 {
         address = 10.0.0.21
         active = 1
         weight = 1
     }
     server shop2 {
         address = 10.0.0.22
         active = 1
         weight = 1
     }
}
virtual shop-https {
     active = 1
     address = 198.51.100.20 eth0:2
     vip_nmask = 255.255.255.0
     fwmark = 80
     port = 443
     persistent = 300
     load_monitor = none
     scheduler = wlc
     protocol = tcp
     timeout = 6
     reentry = 15
     quiesce_server = 0
     server shop1 {
         address = 10.0.0.21
         active = 1
         weight = 1
     }
     server shop2 {
         address = 10.0.0.22
         active = 1
         weight = 1
     }
}
virtual ftp {
     active = 1
     address = 198.51.100.30 eth0:3
     sorry_server = 10.0.0.99
     vip_nmask = 255.255.255.0
     fwmark = 21
     port = 21
     persistent = 60
     pmask = 255.255.255.0
     send = "quit\\r\\n"
     expect = "220"
     use_regex = 0
     load_monitor = rup
     scheduler = rr
     protocol = tcp
     timeout = 8
     reentry = 20
     quiesce_server = 1
     server ftp-a {
         address = 10.0.0.31
         active = 1
         weight = 1
     }
     server ftp2 {
         address = 10.0.0.32
         active = 1
         port = 2121
         weight = 3
     }
}
"""
