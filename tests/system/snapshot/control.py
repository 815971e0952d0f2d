#!/usr/bin/env python3
"""nanvixd --control-fd from the outside (tests/system/snapshot.sh).

    control.py NANVIXD CASE TMPDIR PROGRAM

Runs NANVIXD with one end of a socket pair as --control-fd and drives
the other: prints "ok CASE: ..." or "FAIL CASE: ..." lines, exits 1 on
any FAIL.  Cases:
  take     snapshot a VM that idles, check it went on to its end, restore
           the snapshot and check the copy goes on from where it was saved
  refuse   bad requests (unknown, relative DIR, too long) get error lines
           and the VM is unharmed; a VM with the default /tmp is refused
  busy     a VM that never idles: no answer until it ends, then an error
  events   nanvixd's own events, unasked: trust_refused, wx_load,
           egress_refused and seccomp_kill, each from a run that earns it
"""
import os
import socket
import subprocess
import sys
import time

nanvixd, case, tmp, prog = sys.argv[1:5]
failed = False


def check(name, cond, why=""):
    global failed
    print(f"{'ok  ' if cond else 'FAIL'} {case}: {name}" + ("" if cond else f" ({why})"))
    failed |= not cond


def start(*opts, args=("30", "100")):
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    p = subprocess.Popen([nanvixd, *opts, f"--control-fd={b.fileno()}", "--", prog, *args],
                         pass_fds=[b.fileno()], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    b.close()
    a.settimeout(20)
    return p, a


def ask(a, line):
    a.sendall(line.encode())
    got = b""
    while not got.endswith(b"\n"):
        chunk = a.recv(4096)
        if not chunk:
            break
        got += chunk
    return got.decode().rstrip("\n")


if case == "take":
    snap = os.path.join(tmp, "live")
    p, a = start("--net=none", "--no-tmp")
    time.sleep(0.6)
    t = time.time()
    r = ask(a, f"snapshot {snap}\n")
    ms = (time.time() - t) * 1000
    check("saved, answered with its directory", r == f"ok snapshot {snap}", r)
    check("the snapshot is whole", os.path.exists(os.path.join(snap, "state")))
    out, err = p.communicate(timeout=30)
    check("the VM went on to its end (status 0, generation 0)",
          p.returncode == 0 and out.endswith("tick 30 generation 0\ndone\n")
          and "generation 1" not in out, f"{p.returncode} {out[-80:]!r} {err[-200:]!r}")
    a.close()
    r = subprocess.run([nanvixd, "--restore", snap], capture_output=True, text=True, timeout=30)
    lines = r.stdout.splitlines()
    ticks = [int(x.split()[1]) for x in lines if x.startswith("tick ")]
    check("the restored copy goes on from where it was saved, generation 1",
          r.returncode == 0 and ticks and ticks[0] > 1 and ticks == list(range(ticks[0], 31))
          and all(x.endswith("generation 1") for x in lines if x.startswith("tick "))
          and lines[-1] == "done", f"{r.returncode} {lines[:2]} {r.stderr[-200:]!r}")
    print(f"info {case}: answered in {ms:.1f} ms")
elif case == "refuse":
    p, a = start("--net=none", "--no-tmp")
    check("an unknown request", ask(a, "reboot\n").startswith("error unknown request"))
    check("a relative DIR", ask(a, "snapshot rel/dir\n") == "error snapshot DIR must be an absolute path")
    r = ask(a, "snapshot /" + "x" * 5000 + "\n")
    check("a line too long", r == "error request line too long", r)
    time.sleep(0.3)
    s1 = dict(w.split("=") for w in ask(a, "stats\n").split()[2:])
    time.sleep(0.3)
    r = ask(a, "stats\n")
    s2 = dict(w.split("=") for w in r.split()[2:])
    check("stats: the counters as they are now, growing",
          r.startswith("ok stats exits=") and int(s2["syscalls"]) > int(s1["syscalls"]) > 0
          and int(s2["exits"]) > int(s1["exits"]) and "wx_refused" in s2, r)
    check("the channel still answers after it", ask(a, "snapshot x\n").startswith("error snapshot"))
    out, err = p.communicate(timeout=30)
    check("the VM is unharmed", p.returncode == 0 and out.endswith("done\n"), f"{p.returncode} {err[-200:]!r}")
    a.close()
    p, a = start("--net=none")  # the default /tmp is a host directory
    r = ask(a, f"snapshot {tmp}/never\n")
    check("a VM with state outside its memory is refused at once",
          r.startswith("error snapshot the VM keeps state outside its memory") and "--no-tmp" in r, r)
    check("and nothing is written", not os.path.exists(f"{tmp}/never"))
    p.kill()
    p.wait()
elif case == "busy":
    p, a = start("--net=none", "--no-tmp", "--timeout", "1.5", args=())
    a.sendall(f"snapshot {tmp}/busy\n".encode())
    a.settimeout(0.5)
    try:
        early = a.recv(4096)
    except socket.timeout:
        early = b""
    check("no answer while the VM computes", early == b"", early)
    a.settimeout(20)
    r = ask(a, "")
    p.wait(timeout=30)
    check("an error once it ends", r == "error snapshot the VM ended before it idled", r)
    check("its status is the timeout's (124)", p.returncode == 124, p.returncode)
    check("nothing is left", not os.path.exists(f"{tmp}/busy"))
elif case == "events":
    bindir = os.path.dirname(os.path.abspath(nanvixd))

    def events(*opts, env=None, args=()):
        """Run nanvixd to its end; the event lines it sent, and its status."""
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        p = subprocess.Popen([opts[0], *opts[1:-1], f"--control-fd={b.fileno()}", "--",
                              opts[-1], *args], pass_fds=[b.fileno()], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        b.close()
        a.settimeout(30)
        got = b""
        while True:
            chunk = a.recv(4096)
            if not chunk:
                break
            got += chunk
        p.wait(timeout=30)
        return [l for l in got.decode().splitlines() if l.startswith("event ")], p.returncode

    with open(f"{tmp}/broken.json", "w") as f:
        f.write("{")
    ev, st = events(nanvixd, "--trust", f"{tmp}/broken.json", prog)
    check("a --trust refusal is an event", st == 126 and len(ev) == 1 and
          ev[0].startswith("event trust_refused nanvixd: trust: "), f"{st} {ev}")
    ev, st = events(nanvixd, f"{bindir}/tests/wx_segment.elf")
    check("a W+X program is a wx_load event", st == 126 and len(ev) == 1 and
          ev[0].startswith("event wx_load ") and "writable and executable" in ev[0],
          f"{st} {ev}")
    ev, st = events(nanvixd, "--net=host", "--timeout", "30", f"{bindir}/tests/net/http_get.elf",
                    args=("10.0.2.2", "1", "/"))
    check("a refused destination is an egress_refused event",
          ev == ["event egress_refused refused 10.0.2.2:1/tcp (the gateway is the host's "
                 "loopback: allow 127.0.0.1:1 to open it)"], f"{st} {ev}")
    sandboxed = f"{bindir}/tests/nanvixd.sandbox"
    if os.path.exists(sandboxed):
        ev, st = events(sandboxed, "--kernel", f"{bindir}/kernel.elf", prog,
                        env=dict(os.environ, NANVIXD_TEST_FORBIDDEN="vcpu"), args=("1", "1"))
        check("a seccomp stop is a seccomp_kill event", st == 119 and len(ev) == 1 and
              ev[0].startswith("event seccomp_kill nanvixd: seccomp: forbidden system call")
              and "(vcpu thread)" in ev[0], f"{st} {ev}")
    ev, st = events(nanvixd, f"{bindir}/tests/hello.musl.elf")
    check("a VM with none sends none", st == 0 and ev == [], f"{st} {ev}")
sys.exit(1 if failed else 0)
