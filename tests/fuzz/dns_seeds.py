#!/usr/bin/env python3
"""tests/fuzz/dns_seeds.py DIR: write the seed corpus of fuzz_dns (see its header)."""
import struct
import sys

VM_MAC = bytes([0x52, 0x54, 0, 0x12, 0x34, 0x56])
DNS_MAC = bytes([0x52, 0x55, 10, 0, 2, 3])
VM, DNS = 0x0A00020F, 0x0A000203


def name(dotted):
    out = b""
    for label in dotted.split(".") if dotted else []:
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def query(dotted, qtype, ar=b"", arcount=0, flags=0x0100, qid=0x1234):
    return struct.pack(">HHHHHH", qid, flags, 1, 0, 0, arcount) + name(dotted) + \
        struct.pack(">HH", qtype, 1) + ar


def opt(size=4096, version=0):
    return b"\0" + struct.pack(">HHBBHH", 41, size, 0, version, 0x8000, 0)


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(">%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(payload, dport=53):
    udp = struct.pack(">HHHH", 40000, dport, 8 + len(payload), 0) + payload
    pseudo = struct.pack(">IIBBH", VM, DNS, 0, 17, len(udp))
    udp = udp[:6] + struct.pack(">H", csum(pseudo + udp) or 0xFFFF) + udp[8:]
    ip = struct.pack(">BBHHHBBHII", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0, VM, DNS)
    ip = ip[:10] + struct.pack(">H", csum(ip)) + ip[12:]
    return DNS_MAC + VM_MAC + b"\x08\x00" + ip + udp


# Byte 0: bit 0 frame mode, bits 1-3 the resolver's verdict (3: one address).
seeds = {
    "a-localhost": b"\x06" + query("localhost", 1),
    "a-host-internal": b"\x06" + query("host.internal", 1),
    "a-nxdomain": b"\x00" + query("nowhere.example", 1),
    "a-many": b"\x08" + query("www.example.com", 1),
    "aaaa": b"\x06" + query("localhost", 28),
    "any": b"\x06" + query("example.com", 255),
    "edns": b"\x06" + query("example.com", 1, opt(), 1),
    "edns-badvers": b"\x06" + query("example.com", 1, opt(version=1), 1),
    # Additional records whose names point back at the question and at each other.
    "pointers": b"\x06" + query("example.com", 1,
                                b"\x01x\xc0\x0c" + b"\0" * 10 + b"\xc0\x1d" + b"\0" * 10, 2),
    "pointer-loop": b"\x06" + query("example.com", 1, b"\xc0\x1d" + b"\0" * 10, 1),
    "opcode-status": b"\x06" + query("example.com", 1, flags=0x1000),
    "frame-a": b"\x07" + frame(query("localhost", 1)),
    "frame-edns": b"\x07" + frame(query("example.com", 1, opt(), 1)),
    "frame-port54": b"\x07" + frame(query("localhost", 1), 54),
}
for n, data in seeds.items():
    with open("%s/%s" % (sys.argv[1], n), "wb") as f:
        f.write(data)
