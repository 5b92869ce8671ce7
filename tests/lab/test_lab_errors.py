"""Lab: bad command lines and bad environments give a clear message and a
non-zero exit status, never a crash or a hang."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labkit as L  # noqa: E402

EXE = sys.argv[1]
PORT = "net_af_packet0,iface=ife-s0"


def expect(args, status, text, ns=L.SRV_NS, user=None):
    cmd = [EXE] + args
    if user:
        cmd = ["setpriv", "--reuid=" + user, "--regid=65534",
               "--clear-groups", "--inh-caps=-all"] + cmd
    p = L.run(cmd, ns=ns, check_rc=False, timeout=60)
    out = p.stdout + p.stderr
    L.check(p.returncode == status and text in out,
            "%s -> exit %d with '%s' (got %d: %s)" % (
                " ".join(args) or "(no args)", status, text, p.returncode,
                out.strip().splitlines()[-1] if out.strip() else ""))


def test():
    expect([], 2, "--port: required")
    expect(["--port", PORT], 2, "--ip: required")
    expect(["--port", PORT, "--ip", "198.18.0.2", "--frobnicate"], 2,
           "--frobnicate: unknown option")
    expect(["--port", PORT, "--ip", "not-an-ip"], 2, "invalid IPv4 address")
    expect(["--port", PORT, "--ip", "198.18.0.2", "--burst", "0"], 2,
           "out of range")
    expect(["--help"], 0, "usage: imapfe-dataplane")
    expect(["--port", PORT, "--ip", "198.18.0.2", "--fault", "drop=2"], 2,
           "--fault:")
    expect(["--port", PORT, "--ip", "198.18.0.2", "--services", "ftp:21"],
           2, "--services: invalid service list")
    expect(["--port", PORT, "--ip", "198.18.0.2", "--ip6", "ff02::1"], 2,
           "not a unicast host address")
    expect(["--port", PORT, "--ip", "198.18.0.2", "--conn-dump",
            "/nonexistent-ife-dir/conns"], 1,
           "--conn-dump /nonexistent-ife-dir/conns: cannot create "
           "/nonexistent-ife-dir/conns.tmp: No such file or directory")
    expect(["--port", "net_af_packet0,iface=ife-nope", "--ip", "198.18.0.2"],
           1, "interface 'ife-nope' does not exist")
    # The veth exists only in ife-srv: from the client namespace it is absent.
    expect(["--port", PORT, "--ip", "198.18.0.2"], 1,
           "does not exist in this network namespace", ns=L.CLI_NS)
    expect(["--port", PORT, "--ip", "198.18.0.2", "--huge", "on",
            "--mem-mb", "1000000"], 1, "no hugetlbfs mount with")
    expect(["--port", PORT, "--ip", "198.18.0.2", "--lcores", "0,127"],
           1, "CPU 127 is not available")
    # Without root, af_packet cannot open its socket: a message, not a crash.
    expect(["--port", PORT, "--ip", "198.18.0.2", "--huge", "off"], 1,
           "expected 1 port", user="nobody")


L.main(test)
