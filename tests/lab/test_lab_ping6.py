"""Lab: IPv6 through the DPDK dataplane. The Linux kernel in ife-cli
resolves the dataplane with neighbour discovery (NS/NA to the solicited-node
group) and pings its global and link-local addresses (ICMPv6 echo).
Addresses from the IPv6 benchmarking range 2001:2::/48 (RFC 5180)."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labkit as L  # noqa: E402

EXE = sys.argv[1]
SRV6, CLI6 = "2001:2::2", "2001:2::1"


def test():
    # The lab keeps IPv6 off by default; this test turns it on for ife-c0.
    for key in ("all", "ife-c0"):
        L.run(["sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=0" % key],
              ns=L.CLI_NS)
    L.run(["ip", "-6", "addr", "add", CLI6 + "/64", "dev", "ife-c0",
           "nodad"], ns=L.CLI_NS)
    dp = L.Dataplane(EXE, "net_af_packet0,iface=ife-s0",
                     extra=["--ip6", SRV6]).start()
    try:
        time.sleep(0.5)
        p = L.run(["ping", "-6", "-c", "10", "-i", "0.05", "-W", "2", SRV6],
                  ns=L.CLI_NS, check_rc=False)
        L.check("10 received" in p.stdout,
                "ping -6 %s: 10 of 10 answered" % SRV6)
        p = L.run(["ip", "-6", "neigh", "show", SRV6], ns=L.CLI_NS)
        L.check(dp.mac in p.stdout.lower(),
                "the kernel resolved %s to %s by NDP" % (SRV6, dp.mac))
        # The link-local address is derived from the MAC (modified EUI-64).
        b = [int(x, 16) for x in dp.mac.split(":")]
        ll = "fe80::%x:%x:%x:%x" % (((b[0] ^ 2) << 8) | b[1],
                                    (b[2] << 8) | 0xff, 0xfe00 | b[3],
                                    (b[4] << 8) | b[5])
        p = L.run(["ping", "-6", "-c", "5", "-i", "0.05", "-W", "2",
                   ll + "%ife-c0"], ns=L.CLI_NS, check_rc=False)
        L.check("5 received" in p.stdout, "ping -6 %s: 5 of 5 answered" % ll)
    finally:
        rc, c = dp.stop()
    print("counters:", {k: v for k, v in c.items() if v})
    L.check(rc == 0, "clean exit (status %s)" % rc)
    L.check(c.get("tx_icmp6_echo_reply") == 15,
            "tx_icmp6_echo_reply = %s" % c.get("tx_icmp6_echo_reply"))
    L.check(c.get("tx_ndp_advert", 0) >= 2,
            "tx_ndp_advert = %s (global and link-local resolved)"
            % c.get("tx_ndp_advert"))
    L.check(L.balanced(c), "counters balance")


L.main(test)
