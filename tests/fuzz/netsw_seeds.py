#!/usr/bin/env python3
"""tests/fuzz/netsw_seeds.py DIR: write the seed corpus of fuzz_netsw (see its header)."""
import struct
import sys

A_MAC = bytes([0x52, 0x54, 0, 0x12, 0x34, 0x56])
B_MAC = bytes([0x52, 0x54, 0, 0x12, 0x34, 0x57])
GW_MAC = bytes([0x52, 0x55, 10, 0, 2, 2])
BCAST = b"\xff" * 6
A, B, GW, DNS = 0x0A00020F, 0x0A000210, 0x0A000202, 0x0A000203


def rec(port, frame):
    return bytes([port]) + struct.pack(">H", len(frame)) + frame


def arp(dst, op, sha, spa, tpa):
    return dst + sha + b"\x08\x06" + struct.pack(">HHBBH", 1, 0x800, 6, 4, op) + sha + \
        struct.pack(">I", spa) + b"\0" * 6 + struct.pack(">I", tpa)


def ipv4(dst_mac, src_mac, src, dst, proto, l4):
    hdr = struct.pack(">BBHHHBBHII", 0x45, 0, 20 + len(l4), 0, 0, 64, proto, 0, src, dst)
    return dst_mac + src_mac + b"\x08\x00" + hdr + l4


def tcp(sport, dport, flags):
    return struct.pack(">HHIIBBHHH", sport, dport, 1000, 0, 5 << 4, flags, 65535, 0, 0)


def udp(sport, dport, payload=b""):
    return struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload


seeds = {
    "arp-flood": b"\0" + rec(0, arp(BCAST, 1, A_MAC, A, B)) + rec(1, arp(A_MAC, 2, B_MAC, B, A)),
    "arp-gateway": b"\0" + rec(0, arp(BCAST, 1, A_MAC, A, GW)),
    "unicast": b"\0" + rec(0, ipv4(B_MAC, A_MAC, A, B, 17, udp(1, 2, b"hi"))),
    "syn-refused": b"\0" + rec(0, ipv4(GW_MAC, A_MAC, A, 0x01020304, 6, tcp(4000, 443, 2))),
    "syn-allowed": b"\0" + rec(0, ipv4(GW_MAC, A_MAC, A, 0x0A000005, 6, tcp(4000, 443, 2))),
    "syn-gateway": b"\0" + rec(0, ipv4(GW_MAC, A_MAC, A, GW, 6, tcp(4000, 8080, 2))),
    "dns": b"\0" + rec(0, ipv4(GW_MAC, A_MAC, A, DNS, 17, udp(4000, 53, b"\0" * 12))),
    "udp-publish-reply": b"\0" + rec(0, ipv4(GW_MAC, A_MAC, A, GW, 17, udp(53, 40000))),
    "spoofed": b"\0" + rec(0x80, ipv4(B_MAC, B_MAC, B, A, 17, udp(1, 2))),
    "allow-cidr": b"\1" + b"10.0.0.0/8:443",
    "allow-host": b"\1" + b"db.internal:5432",
    "publish": b"\2" + b"127.0.0.1:8080:80/tcp",
}
for name, data in seeds.items():
    with open(f"{sys.argv[1]}/{name}", "wb") as f:
        f.write(data)
