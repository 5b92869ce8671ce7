"""Lab: the same dataplane on net_tap. The PMD creates ife-tap0 in ife-srv;
the kernel of ife-srv is the peer on that tap (198.18.1.1/24)."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labkit as L  # noqa: E402

EXE = sys.argv[1]


def test():
    dp = L.Dataplane(EXE, "net_tap0,iface=ife-tap0", ip="198.18.1.2",
                     extra=["--no-garp"]).start()
    try:
        L.run(["ip", "addr", "add", "198.18.1.1/24", "dev", "ife-tap0"],
              ns=L.SRV_NS)
        # The tap PMD gives the kernel netdev the port's own MAC; the
        # kernel side takes another so the two ends are distinct hosts.
        L.run(["ip", "link", "set", "ife-tap0", "address",
               "02:00:5e:12:01:01"], ns=L.SRV_NS)
        L.run(["ip", "link", "set", "ife-tap0", "up"], ns=L.SRV_NS)
        time.sleep(0.2)
        p = L.run(["ping", "-c", "10", "-i", "0.05", "-W", "2",
                   "198.18.1.2"], ns=L.SRV_NS, check_rc=False)
        L.check("10 received" in p.stdout,
                "ping over net_tap: 10 of 10 answered")
    finally:
        rc, c = dp.stop()
    print("counters:", {k: v for k, v in c.items() if v})
    L.check(rc == 0, "clean exit (status %s)" % rc)
    L.check(c.get("tx_icmp_echo_reply") == 10,
            "tx_icmp_echo_reply = %s" % c.get("tx_icmp_echo_reply"))
    L.check(L.balanced(c), "counters balance")


L.main(test)
