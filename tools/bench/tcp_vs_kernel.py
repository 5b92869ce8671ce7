#!/usr/bin/env python3
"""Side-by-side TCP benchmark on the lab path: imapfe's user-space stack
(imapfe-dataplane's echo service on 198.18.0.2, af_packet on ife-s0) versus
the Linux kernel (tools/tcpload/kecho, a single-threaded epoll echo server,
on 198.18.0.3 on the same veth in ife-srv). Same client (tcpload in ife-cli),
same load, same run, alternating, --runs times; prints medians and ratios
as a markdown table, with the CPU each side used.

Placement (--placement):
  split   (default) the client and the kernel work done for it on CPU 0, the
          server and the kernel work done for it on CPU 1: tcpload and the
          kernel server are pinned with taskset, the dataplane's worker is
          lcore 1 on CPU 1, and RPS steers each veth end's receive
          processing to its own side's CPU (ife-c0 -> CPU 0, ife-s0 -> CPU 1).
          Two hosts on one machine: neither side's kernel work is billed to
          the other's core.
  shared  no pinning and no RPS, as the kernel schedules it: a veth delivers
          on the sending CPU, so the client's receive processing runs inside
          the dataplane worker's sendto() and the kernel server's send().
Needs 2 CPUs or more.

The dataplane runs with a MAC of its own (--mac, default 02:1f:e0:00:00:02):
af_packet gives the server namespace's kernel a copy of every frame, and with
the interface's MAC the kernel would look up a route for each of them, work
a dataplane on a real NIC never causes. --mac port measures it that way.

The echo profiles verify every byte. --verify sha256 (the default) hashes
both directions in the client, which then spends about a third of its CPU
on SHA-256 and is the bottleneck against either server; --verify bytes
compares each received byte with the one sent (tcpload --verify bytes), so
that the client has room to spare and the servers' own cost decides.

usage (root, from the repository root, after `ninja -C build`):
  tools/bench/tcp_vs_kernel.py [--build build] [--runs 3] [--tcp-buf N]
                               [--cc cubic|bbr|reno] [--placement split|shared]
                               [--mac MAC|port] [--verify sha256|bytes]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "lab"))
import labkit as L  # noqa: E402

PROFILES = [
    # name, tcpload args, metric, better
    ("echo 100 x 1 MiB (Mbit/s)", ["--mode", "echo", "--conns", "100",
                                   "--bytes", str(1 << 20)], "mbit_per_s",
     "higher"),
    ("echo 100 x 8 MiB (Mbit/s)", ["--mode", "echo", "--conns", "100",
                                   "--bytes", str(8 << 20)], "mbit_per_s",
     "higher"),
    ("rr 16 conns, 64 B (req/s)", ["--mode", "rr", "--conns", "16", "--duration",
                           "5"], "ops_per_s", "higher"),
    ("rr p99 latency (us)", None, "p99", "lower"),
    ("cps 16 at a time (conn/s)", ["--mode", "cps", "--conns", "16", "--duration",
                          "5"], "ops_per_s", "higher"),
]


def cpu_seconds(pid):
    """utime + stime of a process and its threads, in seconds."""
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def cpu_busy():
    """Busy and total jiffies per CPU from /proc/stat (idle+iowait = idle)."""
    out = {}
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("cpu") and line[3].isdigit():
                v = [int(x) for x in line.split()[1:]]
                out[int(line[3:line.index(" ")])] = (sum(v) - v[3] - v[4],
                                                     sum(v))
    return out


COLD = "cold: first echo 100 x 1 MiB after start (Mbit/s)"
CC = []
CLIENT_PIN = []


def load(tcpload, addr, args):
    p = L.run(CLIENT_PIN + [tcpload, "--addr", addr, "--port", "7"] + CC +
              args, ns=L.CLI_NS, check_rc=False, timeout=300)
    r = json.loads(p.stdout)
    if p.returncode != 0:
        raise L.Failure("tcpload failed: " + p.stdout)
    return r


def run_side(name, start, tcpload, addr):
    proc = start()
    try:
        time.sleep(2)
        # One discarded warm-up of the first profile, for both servers
        # alike, reported on its own row ("cold"): a fresh imapfe's first
        # second ran ~1.5x slower (its 2 x 64 MiB af_packet rings touched
        # for the first time) while a long-running server pays it once.
        cold = load(tcpload, addr, PROFILES[0][1])[PROFILES[0][2]]
        results, cpu0 = {COLD: cold}, cpu_seconds(proc.pid)
        busy0 = cpu_busy()
        t0 = time.time()
        for pname, args, metric, _ in PROFILES:
            if args is None:
                continue
            r = load(tcpload, addr, args)
            results[pname] = (r[metric] if metric != "p99"
                              else r["lat_us"]["p99"])
            if args[1] == "rr":
                results["rr p99 latency (us)"] = r["lat_us"]["p99"]
        wall = time.time() - t0
        cpu = cpu_seconds(proc.pid) - cpu0
        busy1 = cpu_busy()
    finally:
        # never leave a server behind, even when a load failed
        proc.terminate()
        proc.communicate(timeout=20)
    results["server CPU (s) / wall (s)"] = "%.1f / %.1f" % (cpu, wall)
    # Whole-CPU busy share (process, kernel and softirq time together):
    # under split placement CPU 1 is the server's side, CPU 0 the client's.
    results["busy"] = " ".join(
        "cpu%d %d%%" % (c, round(100.0 * (busy1[c][0] - busy0[c][0]) /
                                 max(1, busy1[c][1] - busy0[c][1])))
        for c in sorted(busy1) if c in busy0)
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tcp-buf", type=int, default=262144,
                    help="imapfe per-connection receive/send buffer")
    ap.add_argument("--cc", default=None,
                    help="the client's kernel congestion control (tcpload "
                         "--cc); default: the namespace's own")
    ap.add_argument("--mac", default="02:1f:e0:00:00:02",
                    help="imapfe-dataplane --mac: a MAC of its own, so that "
                    "the server namespace's kernel drops the copies of its "
                    "frames it gets instead of routing each one; 'port' "
                    "for the interface's own (docs/configuration.md)")
    ap.add_argument("--verify", choices=("sha256", "bytes"), default="sha256",
                    help="how tcpload checks the echo (see above)")
    ap.add_argument("--placement", choices=("split", "shared"),
                    default="split", help="where each side's work runs "
                    "(see the top of this file)")
    a = ap.parse_args()
    if a.cc:
        CC.extend(["--cc", a.cc])
    CC.extend(["--verify", a.verify])
    split = a.placement == "split"
    if split:
        if (os.cpu_count() or 1) < 2:
            sys.exit("--placement split needs 2 CPUs")
        CLIENT_PIN.extend(["taskset", "-c", "0"])
    exe = os.path.join(a.build, "dataplane/app/imapfe-dataplane")
    tcpload = os.path.join(a.build, "tools/tcpload/tcpload")
    kecho = os.path.join(a.build, "tools/tcpload/kecho")
    for f in (exe, tcpload, kecho):
        if not os.access(f, os.X_OK):
            sys.exit("missing %s: build first (ninja -C %s)" % (f, a.build))
    if os.geteuid() != 0:
        sys.exit("run as root (namespaces)")

    def start_ours():
        return subprocess.Popen(
            ["ip", "netns", "exec", L.SRV_NS, exe, "--port",
             "net_af_packet0,iface=ife-s0", "--ip", L.SRV_IP, "--lcores",
             "0,1", "--services", "echo:7", "--mbufs", "131071",
             "--tcp-rcvbuf", str(a.tcp_buf), "--tcp-sndbuf", str(a.tcp_buf),
             "--mac", a.mac, "--log-level", "error"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start_kernel():
        return subprocess.Popen(
            ["ip", "netns", "exec", L.SRV_NS] +
            (["taskset", "-c", "1"] if split else []) + [kecho, "--mode", "echo",
             "--port", "7", "--addr", "198.18.0.3", "--duration", "600"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    runs = {"imapfe": [], "kernel": []}
    try:
        L.lab("up")
        L.run(["ip", "addr", "add", "198.18.0.3/24", "dev", "ife-s0"],
              ns=L.SRV_NS)
        if split:
            # RPS: receive processing on the receiving side's own CPU
            # (masks: CPU 0 = 1, CPU 1 = 2).
            for ns, dev, mask in ((L.CLI_NS, "ife-c0", "1"),
                                  (L.SRV_NS, "ife-s0", "2")):
                L.run(["sh", "-c", "echo %s > /sys/class/net/%s/queues/"
                       "rx-0/rps_cpus" % (mask, dev)], ns=ns)
        for i in range(a.runs):
            runs["imapfe"].append(run_side("imapfe", start_ours, tcpload,
                                           L.SRV_IP))
            runs["kernel"].append(run_side("kernel", start_kernel, tcpload,
                                           "198.18.0.3"))
            print("run %d: %s" % (i + 1, json.dumps(runs)), file=sys.stderr)
    finally:
        L.lab("down")

    print("placement: %s, imapfe --mac %s, tcpload --verify %s" % (
        a.placement, a.mac, a.verify))
    print("| profile | imapfe (median) | Linux kernel (median) | ratio | better |")
    print("|---|---|---|---|---|")
    for pname, _, _, better in PROFILES + [(COLD, None, None, "higher")]:
        ours = statistics.median(r[pname] for r in runs["imapfe"])
        theirs = statistics.median(r[pname] for r in runs["kernel"])
        ratio = ours / theirs if theirs else float("inf")
        print("| %s | %.1f | %.1f | %.2f | %s |" % (pname, ours, theirs,
                                                   ratio, better))
    print("| server CPU (s) / wall (s), each run | %s | %s | | lower |" % (
        ", ".join(r["server CPU (s) / wall (s)"] for r in runs["imapfe"]),
        ", ".join(r["server CPU (s) / wall (s)"] for r in runs["kernel"])))
    print("| CPU busy over the profiles, each run | %s | %s | | |" % (
        ", ".join(r["busy"] for r in runs["imapfe"]),
        ", ".join(r["busy"] for r in runs["kernel"])))


if __name__ == "__main__":
    main()
