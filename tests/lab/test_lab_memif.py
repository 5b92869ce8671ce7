"""Lab: the dataplane on net_memif (server role). DPDK's testpmd bridges the
veth (af_packet) to a memif client, so the kernel in ife-cli pings the
dataplane through shared memory."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labkit as L  # noqa: E402

EXE = sys.argv[1]
SOCK = "/run/imapfe-lab/memif-%d.sock" % os.getpid()


def test():
    dp = L.Dataplane(EXE, "net_memif0,role=server,socket=" + SOCK,
                     extra=["--lcores", "0"]).start()
    bridge = None
    try:
        bridge = subprocess.Popen(
            ["ip", "netns", "exec", L.SRV_NS, "dpdk-testpmd", "--no-pci",
             "--in-memory", "--no-telemetry", "-l", "0,1", "--log-level",
             "error", "--vdev", "net_af_packet1,iface=ife-s0",
             "--vdev", "net_memif1,role=client,socket=" + SOCK, "--",
             "--forward-mode=io", "--auto-start", "--total-num-mbufs=4096",
             "--no-lsc-interrupt", "--stats-period=0"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True)
        time.sleep(3)
        L.check(bridge.poll() is None, "testpmd bridge running")
        p = L.run(["ping", "-c", "10", "-i", "0.05", "-W", "2", L.SRV_IP],
                  ns=L.CLI_NS, check_rc=False)
        L.check("10 received" in p.stdout,
                "ping through memif: 10 of 10 answered")
    finally:
        if bridge is not None:
            try:
                bridge.communicate(input="\n", timeout=10)
            except subprocess.TimeoutExpired:
                bridge.kill()
                bridge.communicate()
        rc, c = dp.stop()
    L.check(rc == 0, "clean exit (status %s)" % rc)
    L.check(c.get("tx_icmp_echo_reply") == 10,
            "tx_icmp_echo_reply = %s" % c.get("tx_icmp_echo_reply"))


L.main(test)
