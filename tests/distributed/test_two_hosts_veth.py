"""Two "hosts" on this machine: two network namespaces joined by a veth pair, one rank in each,
MPI traffic over TCP on the addresses the test creates (10.219.<n>.1 / .2 on interface
``pfv<n>`` in each namespace; MPICH's hydra launches the second proxy with ``ip netns exec``
through ``-launcher-exec``). Skipped only when namespaces cannot be created (not root, no
iproute2, no CAP_NET_ADMIN); the namespaces are removed afterwards."""
import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
WORKER = os.path.join(HERE, "mpi_worker.py")


def _ip(*args, check=True):
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30, check=check)


@pytest.fixture
def two_hosts(tmp_path):
    n = os.getpid() % 250 + 1
    ns = (f"pyfapi{n}a", f"pyfapi{n}b")
    addrs = (f"10.219.{n}.1", f"10.219.{n}.2")
    dev = f"pfv{n}"
    if shutil.which("ip") is None:
        pytest.skip("cannot create network namespaces: iproute2 ('ip') is not installed")
    try:
        _ip("netns", "add", ns[0])
    except subprocess.CalledProcessError as e:
        pytest.skip(f"cannot create network namespaces: {e.stderr.strip()}")
    try:
        _ip("netns", "add", ns[1])
        _ip("link", "add", f"{dev}x", "type", "veth", "peer", "name", f"{dev}y")
        for end, name, addr in ((f"{dev}x", ns[0], addrs[0]), (f"{dev}y", ns[1], addrs[1])):
            _ip("link", "set", end, "netns", name)
            _ip("-n", name, "link", "set", end, "name", dev)
            _ip("-n", name, "addr", "add", f"{addr}/24", "dev", dev)
            _ip("-n", name, "link", "set", dev, "up")
            _ip("-n", name, "link", "set", "lo", "up")
        launcher = tmp_path / "nsexec.sh"
        launcher.write_text(
            "#!/bin/sh\n"
            "# hydra's ssh launcher calls: [options] HOST COMMAND...; run it in HOST's namespace\n"
            'while [ $# -gt 0 ]; do case "$1" in -*) shift;; *) break;; esac; done\n'
            'host="$1"; shift\n'
            f'case "$host" in {addrs[0]}) ns={ns[0]};; {addrs[1]}) ns={ns[1]};; '
            '*) echo "unknown host $host" >&2; exit 1;; esac\n'
            'exec ip netns exec "$ns" sh -c "$*"\n')
        launcher.chmod(0o755)
        yield ns, addrs, dev, str(launcher)
    finally:
        for name in ns:
            _ip("netns", "del", name, check=False)


def _tx_bytes(ns, dev):
    out = _ip("-n", ns, "-s", "link", "show", dev).stdout.splitlines()
    i = next(k for k, line in enumerate(out) if line.strip().startswith("TX:"))
    return int(out[i + 1].split()[0])


def test_two_hosts_joined_by_a_veth_pair(two_hosts, mpiexec):
    ns, addrs, dev, launcher = two_hosts
    exe = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    if not os.path.exists(exe):
        exe = shutil.which("mpiexec")
    env = dict(os.environ, FI_PROVIDER="tcp", FI_TCP_IFACE=dev, MPIR_CVAR_CH4_NETMOD="ofi",
               UCX_NET_DEVICES=dev)
    env.pop("OMP_NUM_THREADS", None)
    import pyfapi
    parent = os.path.dirname(os.path.dirname(os.path.abspath(pyfapi.__file__)))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (parent, HERE, env.get("PYTHONPATH")) if p)
    before = _tx_bytes(ns[1], dev)
    cmd = ["ip", "netns", "exec", ns[0], exe, "-hosts", ",".join(addrs), "-launcher", "ssh",
           "-launcher-exec", launcher, "-iface", dev, "-n", "2", "-ppn", "1",
           sys.executable, WORKER, "two_hosts", "uneven_fit", "broadcast_mismatch"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240, check=False,
                          cwd=mpiexec.workdir)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    for name in ("two_hosts", "uneven_fit", "broadcast_mismatch"):
        for r in (0, 1):
            assert f"OK {name} rank {r}" in proc.stdout, proc.stdout
    # the gradients went over the veth pair: well over the model's gradient bytes per step
    # the data went over the veth pair (TCP), not shared memory: the 1 MiB Allreduce of the
    # two_hosts scenario alone sends at least half of it from each side
    sent = _tx_bytes(ns[1], dev) - before
    assert sent > 512 * 1024, sent
