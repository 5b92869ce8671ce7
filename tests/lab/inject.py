"""Send hand-made Ethernet frames from the client namespace (AF_PACKET).

usage: inject.py IFACE DST_MAC KIND COUNT
Run inside ife-cli. Each KIND is a malformed or unwanted frame whose drop
reason the dataplane must count exactly once per frame.
"""
import socket
import struct
import sys

SRV_IP = bytes([198, 18, 0, 2])
CLI_IP = bytes([198, 18, 0, 1])


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def ip(payload, proto=1, src=CLI_IP, dst=SRV_IP, frag=0x4000, bad_csum=False):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, frag, 64,
                    proto, 0, src, dst)
    c = csum(h) ^ (0x5555 if bad_csum else 0)
    return h[:10] + struct.pack("!H", c) + h[12:] + payload


def echo(bad=False):
    body = struct.pack("!BBHHH", 8, 0, 0, 0x1234, 1) + b"imapfe" * 4
    c = csum(body) ^ (0x00ff if bad else 0)
    return body[:2] + struct.pack("!H", c) + body[4:]


def frames(kind, dst, src):
    eth = lambda t, d=dst: d + src + struct.pack("!H", t)
    if kind == "ip_bad_csum":
        return eth(0x0800) + ip(echo(), bad_csum=True)
    if kind == "ip_truncated":
        return eth(0x0800) + ip(echo())[:12]
    if kind == "ip_fragment":
        return eth(0x0800) + ip(echo(), frag=0x2000)
    if kind == "udp":
        return eth(0x0800) + ip(b"\0" * 8, proto=17)
    if kind == "ip_not_for_us":
        return eth(0x0800) + ip(echo(), dst=bytes([198, 18, 0, 77]))
    if kind == "icmp_bad_csum":
        return eth(0x0800) + ip(echo(bad=True))
    if kind == "eth_not_for_us":
        return eth(0x0800, bytes.fromhex("02aabbccddee")) + ip(echo())
    if kind == "vlan":
        return eth(0x8100) + b"\x00\x05\x08\x00" + ip(echo())
    if kind == "arp_bad_format":
        arp = struct.pack("!HHBBH6s4s6s4s", 6, 0x0800, 6, 4, 1, src, CLI_IP,
                          b"\0" * 6, SRV_IP)
        return eth(0x0806, b"\xff" * 6) + arp
    raise SystemExit("unknown kind " + kind)


def main():
    iface, dst, kind, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    src = s.getsockname()[4]
    f = frames(kind, bytes.fromhex(dst.replace(":", "")), src)
    for _ in range(count):
        s.send(f)


if __name__ == "__main__":
    main()
