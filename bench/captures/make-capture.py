#!/usr/bin/env python3
"""Writes a classic pcap of about SIZE megabytes to stdout: Ethernet frames of SIP INVITEs over
UDP/IPv4 (one Call-ID per frame, cycling through 10,000), every 50th datagram carrying a 3 KB body
and sent as three IPv4 fragments, every 10th frame a TCP segment.

  python3 bench/captures/make-capture.py 1024 > /tmp/1g.pcap
"""
import struct
import sys


def ipv4(ident, flags_offset, proto, payload):
    return struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), ident & 0xffff, flags_offset,
                       64, proto, 0, bytes([192, 0, 2, 10]), bytes([198, 51, 100, 1])) + payload


def udp(payload):
    return struct.pack('!HHHH', 5060, 5060, 8 + len(payload), 0) + payload


def sip(call_id, body=b''):
    return (b'INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK'
            + call_id + b'\r\nFrom: <sip:alice@example.org>;tag=1\r\nTo: <sip:bob@example.com>\r\n'
            b'Call-ID: ' + call_id + b'\r\nCSeq: 1 INVITE\r\nContent-Length: '
            + str(len(body)).encode() + b'\r\n\r\n' + body)


def chunk():
    frames = []
    for i in range(10_000):
        call_id = b'%08d@bench.example' % i
        if i % 10 == 9:
            frames.append(ipv4(i, 0x4000, 6, b'\0' * 40))
        elif i % 50 == 0:
            d = udp(sip(call_id, b'v=0\r\n' + b'a=x\r\n' * 600))
            for off in range(0, len(d), 1480):
                part = d[off:off + 1480]
                more = 0x2000 if off + 1480 < len(d) else 0
                frames.append(ipv4(i, more | off // 8, 17, part))
        else:
            frames.append(ipv4(i, 0x4000, 17, udp(sip(call_id))))
    out = bytearray()
    for f in frames:
        eth = b'\0' * 12 + b'\x08\x00' + f
        out += struct.pack('<IIII', 1_700_000_000, 0, len(eth), len(eth)) + eth
    return bytes(out)


def main():
    size = int(sys.argv[1]) << 20
    w = sys.stdout.buffer
    w.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
    c = chunk()
    written = 24
    while written < size:
        w.write(c)
        written += len(c)


if __name__ == '__main__':
    main()
