#!/bin/sh
# The IPVS table the captured test data and the in-VM reader test are made from (guest side,
# busybox sh).  It is what lvsd and nanny would build for a few lvs.cf virtual servers, plus the
# kernel features a reader must cope with: TCP, UDP, firewall marks, persistence with a mask,
# direct routing, NAT and tunnelling, a quiesced server (weight 0), one-packet scheduling,
# IPv6, every scheduler Piranha offers.  Addresses are documentation ranges; the VM has no
# network device, so nothing is ever sent anywhere.
set -e
# lvs.cf: virtual web (direct routing, wlc), rs1 up, rs2 quiesced by nanny, rs3 down (absent)
ipvsadm -A -t 192.0.2.10:80 -s wlc
ipvsadm -a -t 192.0.2.10:80 -r 198.51.100.11:80 -g -w 1
ipvsadm -a -t 192.0.2.10:80 -r 198.51.100.12:80 -g -w 0
# virtual https: persistent 300 s, rr
ipvsadm -A -t 192.0.2.10:443 -s rr -p 300
ipvsadm -a -t 192.0.2.10:443 -r 198.51.100.11:443 -g -w 5
# virtual dns: UDP, NAT with a port mapping, wrr
ipvsadm -A -u 192.0.2.20:53 -s wrr
ipvsadm -a -u 192.0.2.20:53 -r 198.51.100.21:5353 -m -w 3
ipvsadm -a -u 192.0.2.20:53 -r 198.51.100.22:5353 -m -w 1
# virtual bundle: firewall mark 80, sh, persistent 3600 with mask /24, tunnelling
ipvsadm -A -f 80 -s sh -p 3600 -M 255.255.255.0
ipvsadm -a -f 80 -r 198.51.100.31 -i -w 2
ipvsadm -a -f 80 -r 198.51.100.32:8080 -i -w 1
# the other schedulers of the VIRTUAL SERVER panel, one service each
ipvsadm -A -t 192.0.2.40:25 -s lc
ipvsadm -a -t 192.0.2.40:25 -r 198.51.100.41:25 -m -w 1
ipvsadm -A -t 192.0.2.40:110 -s lblc
ipvsadm -A -t 192.0.2.40:143 -s lblcr
ipvsadm -A -t 192.0.2.40:3128 -s dh
ipvsadm -A -t 192.0.2.40:8000 -s sed
ipvsadm -A -t 192.0.2.40:8001 -s nq
# one-packet scheduling (syslog over UDP) and an IPv6 service: not from lvs.cf, but readable
ipvsadm -A -u 192.0.2.50:514 -s rr -o
ipvsadm -a -u 192.0.2.50:514 -r 198.51.100.51:514 -m -w 1
ipvsadm -A -t '[2001:db8::10]:80' -s wlc
ipvsadm -a -t '[2001:db8::10]:80' -r '[2001:db8::11]:80' -m -w 4
