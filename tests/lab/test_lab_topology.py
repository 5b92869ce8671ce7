"""Lab: tools/lab up/down/status. Up makes the namespaces, the veth with
offloads off and the client address; no test address reaches the root
namespace; a second up after a crash recovers; down removes exactly what up
made."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labkit as L  # noqa: E402


def root_has_test_addr():
    p = L.run(["ip", "-o", "addr"])
    return "198.18." in p.stdout or "198.19." in p.stdout


def test():
    # labkit.main already ran "up" once.
    st = L.run([L.LAB, "status"])
    L.check("ife-c0" in st.stdout and "198.18.0.1/24" in st.stdout,
            "status shows the client veth and address")
    L.check(not root_has_test_addr(), "no 198.18/15 address in the root netns")
    L.check(subprocess.run(["ip", "link", "show", "ife-s0"],
                           capture_output=True).returncode != 0,
            "the veth ends are not in the root netns")
    p = L.run(["ethtool", "-k", "ife-c0"], ns=L.CLI_NS)
    for feat in ("tx-checksumming", "scatter-gather",
                 "tcp-segmentation-offload", "generic-segmentation-offload",
                 "generic-receive-offload"):
        line = [ln for ln in p.stdout.splitlines() if ln.startswith(feat + ":")]
        L.check(line and line[0].split(":")[1].strip().startswith("off"),
                "ife-c0 %s off" % feat)
    p = L.run(["ethtool", "-k", "ife-s0"], ns=L.SRV_NS)
    line = [ln for ln in p.stdout.splitlines() if ln.startswith("rx-checksumming:")]
    L.check(line and "off" in line[0], "ife-s0 rx-checksumming off")

    # Simulated crash: state left behind, namespaces still there. Up again.
    L.lab("up")
    L.check(L.run([L.LAB, "status"]).returncode == 0,
            "second up over leftovers recovers")
    hp_before_down = open("/proc/sys/vm/nr_hugepages").read().strip()
    state = open("/run/imapfe-lab/state").read()
    L.lab("down")
    p = L.run(["ip", "netns", "list"])
    L.check("ife-srv" not in p.stdout and "ife-cli" not in p.stdout,
            "down removes both namespaces")
    L.check(not os.path.exists("/run/imapfe-lab/state"),
            "down removes its state file")
    for line in state.splitlines():
        kind, _, arg = line.partition(" ")
        if kind == "hugepages":
            now = open("/proc/sys/vm/nr_hugepages").read().strip()
            L.check(now == arg, "hugepages restored to %s (were %s, now %s)"
                    % (arg, hp_before_down, now))
    L.check(subprocess.run([L.LAB, "status"],
                           capture_output=True).returncode != 0,
            "status fails when the lab is down")
    L.check(subprocess.run([L.LAB, "bogus"],
                           capture_output=True).returncode == 2,
            "unknown verb: exit 2")
    L.lab("up")  # leave it up for labkit's own down


L.main(test)
