"""Lab: the TCP test tools against the Linux kernel on both sides of the
lab (kecho in ife-srv on 198.18.0.3, tcpload in ife-cli). This is the
baseline path the TCP benchmarks compare imapfe with, and it proves that
tcpload's verification (SHA-256, and the exact byte compare of --verify
bytes) catches a server that returns wrong data: too little, or the right
length with one byte changed (kecho --corrupt-at)."""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labkit as L  # noqa: E402

TCPLOAD, KECHO, SYNFLOOD = sys.argv[2], sys.argv[3], sys.argv[4]
KADDR = "198.18.0.3"


def server(mode, port, extra=()):
    p = subprocess.Popen(["ip", "netns", "exec", L.SRV_NS, KECHO, "--mode",
                          mode, "--port", str(port), "--addr", KADDR,
                          "--duration", "60"] + list(extra),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    line = p.stderr.readline()
    if "listening" not in line:
        p.kill()
        raise L.Failure("kecho did not start: " + line)
    return p


def load(args, expect_rc=0):
    p = L.run([TCPLOAD, "--addr", KADDR] + args, ns=L.CLI_NS,
              check_rc=False, timeout=120)
    try:
        res = json.loads(p.stdout)
    except ValueError:
        raise L.Failure("tcpload printed no JSON: %s %s" % (p.stdout, p.stderr))
    if p.returncode != expect_rc:
        raise L.Failure("tcpload %s exited %d: %s" % (" ".join(args),
                                                     p.returncode, p.stdout))
    return res


def test():
    L.run(["ip", "addr", "add", KADDR + "/24", "dev", "ife-s0"], ns=L.SRV_NS)
    time.sleep(0.2)
    srv = [server("echo", 7), server("source", 19, ["--bytes", "100000"]),
           server("discard", 9), server("echo", 8, ["--corrupt-at", "70000"])]
    try:
        r = load(["--mode", "echo", "--port", "7", "--conns", "100",
                  "--bytes", str(1 << 20)])
        L.check(r["completed"] == 100 and r["verify_failed"] == 0,
                "echo: 100 connections x 1 MiB both ways, SHA-256 verified")
        L.check(r["verify"] == "sha256", "echo verifies with SHA-256 by default")
        sc = r["syscalls"]
        L.check(sc["recv"] >= 100 and sc["send"] >= 100 and
                sc["recv_eagain"] >= 1 and sc["epoll_wait"] >= 1 and
                r["bytes_rx"] <= sc["recv"] * 65536,
                "echo: system calls counted %s" % sc)
        r = load(["--mode", "rr", "--port", "7", "--conns", "10",
                  "--duration", "2"])
        L.check(r["completed"] > 1000 and r["lat_us"]["p99"] > 0,
                "rr: %d requests, p99 %.0f us" % (r["completed"],
                                                  r["lat_us"]["p99"]))
        r = load(["--mode", "cps", "--port", "7", "--conns", "10",
                  "--duration", "2"])
        L.check(r["completed"] > 100, "cps: %.0f connections/s" %
                r["ops_per_s"])
        r = load(["--mode", "source", "--port", "19", "--conns", "5"])
        L.check(r["bytes_rx"] == 500000, "source: 5 x 100000 bytes read")
        r = load(["--mode", "rst", "--port", "7", "--conns", "5",
                  "--bytes", "1000"])
        L.check(r["completed"] == 5, "rst: 5 connections aborted")
        r = load(["--mode", "discard", "--port", "9", "--conns", "5",
                  "--bytes", "100000"])
        L.check(r["completed"] == 5, "discard: 5 x 100000 bytes sent")
        r = load(["--mode", "echo", "--port", "7", "--conns", "100",
                  "--bytes", str(1 << 20), "--verify", "bytes"])
        L.check(r["completed"] == 100 and r["verify_failed"] == 0 and
                r["verify"] == "bytes",
                "echo --verify bytes: 100 x 1 MiB, every byte compared")
        # A server that does not echo must fail the echo verification,
        # and so must one that echoes the right length with a byte changed.
        for verify in ("sha256", "bytes"):
            r = load(["--mode", "echo", "--port", "9", "--conns", "3",
                      "--bytes", "100000", "--verify", verify], expect_rc=1)
            L.check(r["verify_failed"] == 3,
                    "%s: echo against a discard server: 3 verification "
                    "failures (%s)" % (verify, r["first_error"]))
            r = load(["--mode", "echo", "--port", "8", "--conns", "3",
                      "--bytes", "100000", "--verify", verify], expect_rc=1)
            L.check(r["verify_failed"] == 3 and r["bytes_rx"] == 300000,
                    "%s: byte 70000 changed, same length: 3 verification "
                    "failures (%s)" % (verify, r["first_error"]))
        L.check("first wrong byte at 70000" in r["first_error"],
                "--verify bytes names the offset of the wrong byte")
        r = load(["--mode", "echo", "--port", "8", "--conns", "3",
                  "--bytes", "60000", "--verify", "bytes"])
        L.check(r["verify_failed"] == 0,
                "streams shorter than the changed offset verify")
        p = L.run([TCPLOAD, "--addr", KADDR, "--mode", "echo", "--port", "7",
                   "--verify", "md5"], ns=L.CLI_NS, check_rc=False)
        L.check(p.returncode == 2 and "bad --verify" in p.stderr,
                "unknown --verify: usage error, exit 2")
        for bad in ("", "-1", "7x"):
            p = L.run([KECHO, "--mode", "echo", "--port", "17",
                       "--corrupt-at", bad], ns=L.SRV_NS, check_rc=False)
            L.check(p.returncode == 2 and "bad --corrupt-at" in p.stderr,
                    "kecho --corrupt-at '%s': usage error, exit 2" % bad)
        # A bounded SYN flood while echo keeps working (the kernel side
        # answers with SYN cookies of its own when its backlog fills).
        fl = subprocess.Popen(["ip", "netns", "exec", L.CLI_NS, SYNFLOOD,
                               "--addr", KADDR, "--port", "7", "--count",
                               "20000", "--rate", "20000"],
                              stdout=subprocess.PIPE, text=True)
        r = load(["--mode", "rr", "--port", "7", "--conns", "4",
                  "--duration", "1"])
        out, _ = fl.communicate(timeout=60)
        f = json.loads(out)
        L.check(fl.returncode == 0 and f["sent"] == 20000,
                "synflood: %d SYNs at %.0f/s, then stopped" % (f["sent"],
                                                               f["rate"]))
        L.check(r["completed"] > 100 and r["failed"] == 0,
                "rr during the flood: %d requests, p99 %.0f us" %
                (r["completed"], r["lat_us"]["p99"]))
        r = load(["--mode", "echo", "--port", "10", "--conns", "1"],
                 expect_rc=1)
        L.check("refused" in r["first_error"], "closed port: connect refused")
    finally:
        for p in srv:
            p.terminate()
            p.communicate(timeout=10)


L.main(test)
