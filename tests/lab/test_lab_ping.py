"""Lab: the DPDK dataplane on net_af_packet answers ping and arping from the
Linux kernel in ife-cli, drops malformed frames under the right counter, and
its counters match exactly what was sent."""
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


def test():
    dp = L.Dataplane(EXE, "net_af_packet0,iface=ife-s0", extra=EXTRA).start()
    try:
        p = L.run(["ping", "-c", str(PINGS), "-i", "0.05", "-W", "2",
                   L.SRV_IP], ns=L.CLI_NS, check_rc=False)
        L.check("%d received" % PINGS in p.stdout,
                "ping: %d of %d answered by the dataplane" % (PINGS, PINGS))
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


L.main(test)
