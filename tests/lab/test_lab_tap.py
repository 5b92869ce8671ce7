"""Lab: the same dataplane on net_tap. The PMD creates ife-tap0 in ife-srv;
the kernel of ife-srv is the peer on that tap (198.18.1.1/24).

usage: test_lab_tap.py DATAPLANE [TCPLOAD]
With TCPLOAD, TCP echo runs over the tap too, once with the port's TCP
checksum offload (net_tap has it) and once with --no-csum-offload: a wrong
pseudo-header sum or offload flag would make the kernel drop every segment."""
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


def tcp_echo(offload):
    extra = ["--no-garp", "--services", "echo:7", "--tcp-rcvbuf", "65536",
             "--tcp-sndbuf", "65536", "--lcores", "0,1"]
    if not offload:
        extra.append("--no-csum-offload")
    dp = L.Dataplane(EXE, "net_tap0,iface=ife-tap0", ip="198.18.1.2",
                     extra=extra).start()
    try:
        L.check(("TCP checksums offloaded" in dp.up_line) == offload,
                "offload %s: %s" % ("on" if offload else "off",
                                    dp.up_line.strip()))
        tap_up()
        p = L.run([TCPLOAD, "--addr", "198.18.1.2", "--mode", "echo",
                   "--port", "7", "--conns", "20", "--bytes", "262144",
                   "--timeout", "20", "--deadline", "60"], ns=L.SRV_NS,
                  check_rc=False, timeout=90)
        r = json.loads(p.stdout)
    finally:
        rc, c = dp.stop()
    L.check(rc == 0 and r["completed"] == 20 and r["verify_failed"] == 0,
            "TCP echo over net_tap, 20 x 256 KiB, SHA-256 verified "
            "(offload %s)" % ("on" if offload else "off"))
    L.check(c.get("tcp_drop_bad_csum", 0) == 0, "no bad checksums")


def test():
    if TCPLOAD:
        tcp_echo(True)
        tcp_echo(False)
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
