"""Lab: the DPDK dataplane on net_af_packet answers ping and arping from the
Linux kernel in ife-cli, drops malformed frames under the right counter, and
its counters match exactly what was sent. Then, with --mac, it answers for
a MAC of its own, and the server namespace's kernel drops the frames as
addressed to another host instead of looking up a route for each."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labkit as L  # noqa: E402

EXE = sys.argv[1]
EXTRA = sys.argv[2:]  # e.g. --huge off
INJECT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "inject.py")
PINGS = 20
ARPINGS = 3
EACH = 3
KINDS = {
    "ip_bad_csum": "drop_ipv4_bad_checksum",
    "ip_truncated": "drop_ipv4_truncated",
    "udp": "drop_ipv4_unsupported_proto",
    "ip_not_for_us": "drop_ipv4_not_for_us",
    "icmp_bad_csum": "drop_icmp_bad_checksum",
    "eth_not_for_us": "drop_eth_not_for_us",
    "vlan": "drop_eth_vlan",
    "arp_bad_format": "drop_arp_bad_format",
}


OWN_MAC = "02:1f:e0:00:00:02"


def addr_errors():
    """The server namespace's Ip InAddrErrors (a route lookup that found
    no route for a frame addressed to this host's MAC)."""
    p = L.run(["cat", "/proc/net/snmp"], ns=L.SRV_NS)
    rows = [ln.split() for ln in p.stdout.splitlines() if ln.startswith("Ip:")]
    return int(rows[1][rows[0].index("InAddrErrors")])


def otherhost():
    """ife-s0's otherhost drop count from ip -s -s link (0 if absent)."""
    p = L.run(["ip", "-s", "-s", "link", "show", "ife-s0"], ns=L.SRV_NS)
    lines = p.stdout.splitlines()
    for i, ln in enumerate(lines):
        hdr = ln.split()
        if "otherhost" in hdr and i + 1 < len(lines):
            vals = lines[i + 1].split()
            return int(vals[hdr.index("otherhost") - 2])
    return 0


def ping_all():
    return L.run(["ping", "-c", str(PINGS), "-i", "0.05", "-W", "2",
                  L.SRV_IP], ns=L.CLI_NS, check_rc=False)


def test_own_mac():
    dp = L.Dataplane(EXE, "net_af_packet0,iface=ife-s0",
                     extra=["--mac", OWN_MAC]).start()
    try:
        L.check(dp.mac == OWN_MAC, "--mac: up line says %s" % dp.mac)
        e0, o0 = addr_errors(), otherhost()
        p = ping_all()
        L.check("%d received" % PINGS in p.stdout,
                "--mac: %d of %d pings answered" % (PINGS, PINGS))
        e1, o1 = addr_errors(), otherhost()
        p = L.run(["ip", "neigh", "show", L.SRV_IP], ns=L.CLI_NS)
        L.check(OWN_MAC in p.stdout, "--mac: the client's ARP entry is %s "
                "(%s)" % (OWN_MAC, p.stdout.strip()))
        L.check(e1 == e0, "--mac: the kernel looked up no route for our "
                "frames (InAddrErrors %d -> %d)" % (e0, e1))
        L.check(o1 - o0 >= PINGS, "--mac: the kernel dropped them as for "
                "another host (otherhost %d -> %d)" % (o0, o1))
    finally:
        rc, c = dp.stop()
    L.check(rc == 0, "--mac: clean exit (status %s)" % rc)
    L.check(c.get("tx_icmp_echo_reply") == PINGS,
            "--mac: tx_icmp_echo_reply = %s" % c.get("tx_icmp_echo_reply"))


def test():
    dp = L.Dataplane(EXE, "net_af_packet0,iface=ife-s0", extra=EXTRA).start()
    try:
        e0 = addr_errors()
        p = ping_all()
        e1 = addr_errors()
        L.check("%d received" % PINGS in p.stdout,
                "ping: %d of %d answered by the dataplane" % (PINGS, PINGS))
        # With the port's MAC, the kernel also routes each frame it sees
        # (what --mac avoids): the contrast that test_own_mac() relies on.
        L.check(e1 - e0 >= PINGS, "port MAC: the kernel looked up a route "
                "for each ping (InAddrErrors %d -> %d)" % (e0, e1))
        p = L.run(["arping", "-c", str(ARPINGS), "-w", "5", "-I", "ife-c0",
                   L.SRV_IP], ns=L.CLI_NS, check_rc=False)
        L.check("Received %d response" % ARPINGS in p.stdout and
                dp.mac.upper() in p.stdout,
                "arping: %d replies from %s" % (ARPINGS, dp.mac))
        for kind in KINDS:
            L.run([sys.executable, INJECT, "ife-c0", dp.mac, kind,
                   str(EACH)], ns=L.CLI_NS)
        time.sleep(0.5)
    finally:
        rc, c = dp.stop()
    print("counters:", {k: v for k, v in c.items() if v})
    L.check(rc == 0, "SIGTERM: clean exit (status %s)" % rc)
    L.check(c.get("tx_icmp_echo_reply") == PINGS,
            "tx_icmp_echo_reply = %s (sent %d pings)" %
            (c.get("tx_icmp_echo_reply"), PINGS))
    # The kernel may ARP for us on its own too; arping's requests all count.
    L.check(c.get("tx_arp_reply", 0) >= ARPINGS,
            "tx_arp_reply = %s >= %d" % (c.get("tx_arp_reply"), ARPINGS))
    for kind, counter in KINDS.items():
        L.check(c.get(counter) == EACH,
                "%s: %s = %s (injected %d)" % (kind, counter, c.get(counter),
                                              EACH))
    L.check(L.balanced(c), "rx_frames (%d) = sum of verdicts" %
            c["rx_frames"])
    L.check(c["tx_frames"] == c["tx_arp_reply"] + c["tx_icmp_echo_reply"] +
            c["tx_garp"], "tx_frames = replies + gratuitous ARP")
    L.check(c["tx_garp"] == 1, "one gratuitous ARP at start")
    if not EXTRA:
        test_own_mac()


L.main(test)
