"""Lab: the same dataplane on net_tap. The PMD creates ife-tap0 in ife-srv;
the kernel of ife-srv is the peer on that tap (198.18.1.1/24).

usage: test_lab_tap.py DATAPLANE [TCPLOAD]
With TCPLOAD, TCP echo runs over the tap too: with the port's TCP checksum
offload and TSO (net_tap has both; its TSO is software GSO in the PMD, for
TCP/IPv4), with the offload but --no-tso, and with --no-csum-offload: a
wrong pseudo-header sum, offload flag or super-segment would make the
kernel drop segments and the echo would not complete."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labkit as L  # noqa: E402

EXE = sys.argv[1]
TCPLOAD = sys.argv[2] if len(sys.argv) > 2 else None


def tap_up():
    L.run(["ip", "addr", "add", "198.18.1.1/24", "dev", "ife-tap0"],
          ns=L.SRV_NS)
    # The tap PMD gives the kernel netdev the port's own MAC; the
    # kernel side takes another so the two ends are distinct hosts.
    L.run(["ip", "link", "set", "ife-tap0", "address",
           "02:00:5e:12:01:01"], ns=L.SRV_NS)
    L.run(["ip", "link", "set", "ife-tap0", "up"], ns=L.SRV_NS)
    time.sleep(0.2)


def tcp_echo(offload, tso):
    extra = ["--no-garp", "--services", "echo:7", "--tcp-rcvbuf", "65536",
             "--tcp-sndbuf", "65536", "--lcores", "0,1"]
    if not offload:
        extra.append("--no-csum-offload")
    if not tso:
        extra.append("--no-tso")
    what = "offload %s, TSO %s" % ("on" if offload else "off",
                                  "on" if tso else "off")
    dp = L.Dataplane(EXE, "net_tap0,iface=ife-tap0", ip="198.18.1.2",
                     extra=extra).start()
    try:
        L.check(("TCP checksums offloaded" in dp.up_line) == offload and
                ("TSO (IPv4 only)" in dp.up_line) == tso,
                "%s: %s" % (what, dp.up_line.strip()))
        tap_up()
        p = L.run([TCPLOAD, "--addr", "198.18.1.2", "--mode", "echo",
                   "--port", "7", "--conns", "20", "--bytes", "262144",
                   "--timeout", "20", "--deadline", "60"], ns=L.SRV_NS,
                  check_rc=False, timeout=90)
        r = json.loads(p.stdout)
    finally:
        rc, c = dp.stop()
    L.check(rc == 0 and r["completed"] == 20 and r["verify_failed"] == 0,
            "TCP echo over net_tap, 20 x 256 KiB, SHA-256 verified (%s, "
            "%.0f Mbit/s)" % (what, r["mbit_per_s"]))
    L.check(c.get("tcp_drop_bad_csum", 0) == 0, "no bad checksums")
    # Offloads on: every burst went through rte_eth_tx_prepare() (the
    # counter exists), and net_tap, which has no check, refused nothing.
    L.check(c.get("drop_tx_prepare") == 0,
            "drop_tx_prepare = %s" % c.get("drop_tx_prepare"))
    # With TSO, a good part of the echoed bytes leaves in super-segments
    # (an echo forwards what has arrived: often a segment or two).
    tso_bytes = c.get("tcp_tx_tso_bytes", 0)
    if tso:
        L.check(c.get("tcp_tx_tso", 0) > 0 and
                tso_bytes * 5 > c.get("tcp_tx_bytes", 0),
                "TSO: %d super-segments carried %d of %d bytes" % (
                    c.get("tcp_tx_tso", 0), tso_bytes,
                    c.get("tcp_tx_bytes", 0)))
    else:
        L.check(c.get("tcp_tx_tso", 0) == 0, "no super-segment")


def test():
    if TCPLOAD:
        tcp_echo(True, True)
        tcp_echo(True, False)
        tcp_echo(False, False)
    dp = L.Dataplane(EXE, "net_tap0,iface=ife-tap0", ip="198.18.1.2",
                     extra=["--no-garp"]).start()
    try:
        tap_up()
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
