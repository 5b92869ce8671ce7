"""Shared helpers for the lab suite: bring the lab up, run the dataplane in
ife-srv, run clients in ife-cli, read counters, and always tear down.

Every lab test runs as root, creates its own topology with tools/lab, and
removes it in a finally block, pass or fail. Traffic stays inside the
namespaces (198.18.0.0/15).
"""
import json
import os
import re
import signal
import subprocess
import sys
import time

SRC = os.environ.get("IFE_SOURCE_ROOT",
                     os.path.dirname(os.path.dirname(os.path.dirname(
                         os.path.abspath(__file__)))))
LAB = os.path.join(SRC, "tools", "lab")
SRV_NS, CLI_NS = "ife-srv", "ife-cli"
SRV_IP, CLI_IP = "198.18.0.2", "198.18.0.1"


class Failure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)
    print("ok:", msg)


def run(cmd, ns=None, timeout=60, check_rc=True, **kw):
    if ns:
        cmd = ["ip", "netns", "exec", ns] + cmd
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                       **kw)
    if check_rc and p.returncode != 0:
        raise Failure("%s exited %d\nstdout: %s\nstderr: %s" % (
            " ".join(cmd), p.returncode, p.stdout, p.stderr))
    return p


def lab(verb):
    return run([LAB, verb], timeout=60)


class Dataplane:
    """imapfe-dataplane in the server namespace, with a stats file."""

    def __init__(self, exe, port, ip=SRV_IP, extra=(), ns=SRV_NS,
                 workdir="/tmp"):
        self.stats = os.path.join(workdir, "ife-lab-stats-%d.json" % os.getpid())
        if os.path.exists(self.stats):
            os.unlink(self.stats)
        self.cmd = ["ip", "netns", "exec", ns, exe, "--port", port, "--ip",
                    ip, "--stats-file", self.stats, "--log-level", "error",
                    "--idle-sleep-us", "20"] + list(extra)
        self.proc = None
        self.mac = None
        self.up_line = ""
        self.err = ""

    def start(self, timeout=30):
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        deadline = time.time() + timeout
        lines = []
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            lines.append(line)
            m = re.search(r"port \d+ up, \S+ at ([0-9a-f:]{17})", line)
            if m:
                self.mac = m.group(1)
                self.up_line = line
                return self
        self.stop()
        raise Failure("dataplane did not come up: %s%s" % (
            "".join(lines), self.err))

    def stop(self, timeout=15):
        """SIGTERM, wait; return (exit code, final counters)."""
        if self.proc is None:
            return None, {}
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
            raise Failure("dataplane ignored SIGTERM for %ds" % timeout)
        self.err += err or ""
        rc = self.proc.returncode
        self.proc = None
        counters = {}
        if os.path.exists(self.stats):
            with open(self.stats) as f:
                counters = json.load(f)["counters"]
            os.unlink(self.stats)
        return rc, counters


# drop_* counters of the worker that are not receive verdicts: TX-side
# drops, and L4 frames already counted in l4_delivered.
NOT_RX_VERDICTS = ("drop_tx_queue_full", "drop_tx_prepare",
                   "drop_l4_no_handler",
                   "drop_out_no_neighbor", "drop_out_error")


def balanced(c):
    """rx = every verdict; tx = every reply we generated."""
    verdicts = (c["tx_arp_reply"] + c["tx_icmp_echo_reply"] +
                c["tx_icmp6_echo_reply"] + c["tx_ndp_advert"] +
                c["l4_delivered"] + c["icmp_error_delivered"] +
                sum(v for k, v in c.items() if k.startswith("drop_") and
                    k not in NOT_RX_VERDICTS))
    return verdicts == c["rx_frames"]


def main(test):
    """Run test() with a fresh lab; always tear the lab down."""
    if os.geteuid() != 0:
        print("FAIL: the lab suite needs root (namespaces, veth, DPDK)")
        sys.exit(1)
    rc = 1
    try:
        lab("up")
        test()
        rc = 0
        print("PASS")
    except Failure as e:
        print("FAIL:", e)
    except Exception as e:  # noqa: BLE001 - report, tear down, fail
        print("FAIL: unexpected %s: %s" % (type(e).__name__, e))
        import traceback
        traceback.print_exc()
    finally:
        try:
            lab("down")
        except Exception as e:  # noqa: BLE001
            print("FAIL: lab down: %s" % e)
            rc = 1
    sys.exit(rc)
