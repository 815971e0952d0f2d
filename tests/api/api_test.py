#!/usr/bin/env python3
"""nanvix-api against its contract: docs/api/openapi.yaml, hostile clients, keys.

Run by tests/api/run.sh, which builds and passes: --daemon (bin/nanvix-api),
--bin (the bin/ folder), --tmp (a scratch folder), --kvm 0|1.  Each check
prints "ok   NAME" or "FAIL NAME: why"; the exit status is 1 if any failed.

Every daemon here is started by the test with its own socket, state folder
and options, and stopped with SIGTERM at the end of its checks; a check that
needs VMs to run is skipped (with its reason) without /dev/kvm.
"""
import argparse
import glob
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

import yaml

ap = argparse.ArgumentParser()
ap.add_argument("--daemon", required=True)
ap.add_argument("--bin", required=True)
ap.add_argument("--tmp", required=True)
ap.add_argument("--kvm", type=int, default=1)
ap.add_argument("--spec", default="docs/api/openapi.yaml")
opt = ap.parse_args()

passed = failed = 0


def ok(name):
    global passed
    passed += 1
    print(f"ok   {name}", flush=True)


def bad(name, why):
    global failed
    failed += 1
    print(f"FAIL {name}: {why}", flush=True)


def check(name, cond, why=""):
    if cond:
        ok(name)
    else:
        bad(name, why)


class UnixConn(http.client.HTTPConnection):
    def __init__(self, path, timeout=30):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


class Daemon:
    """One nanvix-api with its own socket and state, started and stopped by the test."""

    n = 0

    def __init__(self, *extra, keys=None):
        Daemon.n += 1
        self.dir = os.path.join(opt.tmp, f"d{Daemon.n}")
        os.makedirs(self.dir)
        self.sock = os.path.join(self.dir, "api.sock")
        self.audit = os.path.join(self.dir, "state", "audit.log")
        self.key = None
        args = [opt.daemon, "--socket", self.sock, "--state", os.path.join(self.dir, "state"),
                "--allow-path", opt.bin, *extra]
        self.err = open(os.path.join(self.dir, "stderr"), "w")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.err, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("nanvix-api: ready unix:"):
            raise RuntimeError(f"daemon did not start: {line!r} (see {self.dir}/stderr)")
        self.ready = line.strip()

    def req(self, method, path, body=None, headers=None, key=None, timeout=30):
        c = UnixConn(self.sock, timeout)
        h = dict(headers or {})
        if key or self.key:
            h["Authorization"] = "Bearer " + (key or self.key)
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
            h["Content-Type"] = "application/json"
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data

    def json(self, method, path, body=None, **kw):
        st, h, data = self.req(method, path, body, **kw)
        try:
            return st, json.loads(data) if data else None
        except ValueError:
            return st, data

    def alive(self):
        try:
            return self.req("GET", "/v1/version", timeout=5)[0] == 200
        except OSError:
            return False

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = "hung"
        self.err.close()
        return rc


def raw(sock_path, data, timeout=10, pause=None):
    """Send bytes (a list: sent with pause seconds between) on a new connection; what comes back."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(sock_path)
    for i, part in enumerate(data if isinstance(data, list) else [data]):
        if i and pause:
            time.sleep(pause)
        try:
            s.sendall(part)
        except OSError:
            break
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except (socket.timeout, ConnectionResetError):
        pass
    s.close()
    return out


def status_of(resp):
    m = re.match(rb"HTTP/1\.[01] (\d{3})", resp)
    return int(m.group(1)) if m else None


spec = yaml.safe_load(open(opt.spec))
codes = set(spec["components"]["schemas"]["Error"]["properties"]["code"]["enum"])
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"]


def error_shape(name, st, body):
    check(name, isinstance(body, dict) and body.get("code") in codes and
          isinstance(body.get("fault_message"), str) and body["fault_message"],
          f"{st} {body!r}")


# ---- The contract: every documented route answers, nothing else does ---------

d = Daemon("--client-timeout", "1", "--max-conns", "8", "--max-body", "64K")
hello = os.path.join(opt.bin, "hello.elf")
sleeper = os.path.join(opt.bin, "tests", "sleeper.musl.elf")

st, vm = d.json("POST", "/v1/vms", {"program": hello, "name": "spec-vm"})
check("create (not started) answers 201 with the Vm", st == 201 and vm.get("state") == "created",
      f"{st} {vm}")
vm_id = vm["id"] if isinstance(vm, dict) and "id" in vm else "spec-vm"

for path, ops in spec["paths"].items():
    concrete = path.replace("{id}", "spec-vm").replace("{name}", "no-such-snap")
    documented = {m.upper() for m in ops if m.upper() in METHODS}
    for m in METHODS:
        q = "?timeout=0" if concrete.endswith("/wait") else ""
        body = "{}" if m in ("POST", "PUT", "PATCH") else None
        if m == "DELETE":  # keep the VM: a DELETE is checked on a VM of its own below
            st, h, data = d.req(m, concrete.replace("spec-vm", "no-such-vm"), body)
            if m in documented:
                check(f"{m} {path} is served",
                      st == 404 and (b"no VM" in data or b"no snapshot" in data or
                                     b"no function" in data), f"{st} {data!r}")
            else:
                check(f"{m} {path} is 405", st == 405, f"{st} {data!r}")
            continue
        st, h, data = d.req(m, concrete + q, body)
        if m in documented:
            check(f"{m} {path} is served", st not in (404, 405) or b"no route" not in data,
                  f"{st} {data!r}")
        else:
            check(f"{m} {path} is 405 with Allow", st == 405 and "allow" in h, f"{st} {h}")

for p in ["/", "/v1", "/v1/", "/v2/vms", "/v1/vms/", "/v1/vm", "/v1/vms/spec-vm/",
          "/v1/vms/spec-vm/start/now", "/v1/functions/x/y", "/v1/snapshots/x/y", "/health",
          "/metrics", "/v1//vms", "/v1/vms/spec-vm/../../version", "/v1/vms/..",
          "/v1/vms/%2e%2e", "/v1/vms/spec%2Dvm", "/v1/vms/.hidden", "/v1/vms/-x"]:
    st, h, data = d.req("GET", p)
    try:
        body = json.loads(data)
    except ValueError:
        body = data
    check(f"undocumented {p} is 404", st == 404, f"{st} {data!r}")
error_shape("a 404's body is an Error", st, body)

# ---- Bad input gets 4xx with an Error; 500 never ------------------------------

bad_bodies = [
    ("not JSON", b"{\"program\":"),
    ("an array", b"[]"),
    ("a string", b"\"x\""),
    ("duplicate keys", b"{\"program\":\"/a\",\"program\":\"/b\"}"),
    ("unknown field", {"program": hello, "bogus": 1}),
    ("args not a list", {"program": hello, "args": "x"}),
    ("args with a number", {"program": hello, "args": [1]}),
    ("args with NUL", b"{\"program\":\"" + hello.encode() + b"\",\"args\":[\"a\\u0000b\"]}"),
    ("env without =", {"program": hello, "env": ["HOME"]}),
    ("env with empty key", {"program": hello, "env": ["=x"]}),
    ("memory malformed", {"program": hello, "memory": "lots"}),
    ("memory over --max-memory", {"program": hello, "memory": "64G"}),
    ("memory negative", {"program": hello, "memory": "-5M"}),
    ("relative program", {"program": "hello.elf"}),
    ("program outside --allow-path", {"program": "/bin/sh"}),
    ("program missing", {"program": opt.bin + "/no-such"}),
    ("no program", {}),
    ("program and snapshot", {"program": hello, "snapshot": "s"}),
    ("bad name", {"program": hello, "name": "../x"}),
    ("long name", {"program": hello, "name": "a" * 65}),
    ("bad net", {"program": hello, "net": "bridge"}),
    ("timeout 0", {"program": hello, "timeout": 0}),
    ("timeout a string", {"program": hello, "timeout": "5"}),
    ("start not a boolean", {"program": hello, "start": 1}),
    ("volume outside --allow-path", {"program": hello, "volumes": ["/etc:/etc"]}),
    ("volume malformed", {"program": hello, "volumes": ["nocolon"]}),
    ("disk outside --allow-path", {"program": "/bin/x", "disk": "/etc/passwd"}),
    ("workdir relative", {"program": hello, "workdir": "tmp"}),
    ("publish garbage", {"program": hello, "publish": ["$(reboot)"]}),
    ("snapshot name with slash", {"snapshot": "../../etc"}),
    ("limits not an object", {"program": hello, "limits": 5}),
    ("an unknown limit", {"program": hello, "limits": {"disk": 1}}),
    ("pids 0", {"program": hello, "limits": {"pids": 0}}),
    ("pids a fraction", {"program": hello, "limits": {"pids": 2.5}}),
    ("nofile over 512", {"program": hello, "limits": {"nofile": 513}}),
    ("cpus over 1", {"program": hello, "limits": {"cpus": 2}}),
    ("cpu_seconds a string", {"program": hello, "limits": {"cpu_seconds": "1"}}),
    ("disk_rate under 4K", {"program": hello, "limits": {"disk_rate": 100}}),
    ("net_sockets over 1023", {"program": hello, "limits": {"net_sockets": 5000}}),
    ("tmp_bytes under 64K", {"program": hello, "limits": {"tmp_bytes": 4096}}),
    ("net_recv_rate under 4K", {"program": hello, "limits": {"net_recv_rate": 100}}),
    ("tmp_bytes over --max-memory", {"program": hello, "limits": {"tmp_bytes": 64 << 30}}),
    ("tmp_bytes with tmp false", {"program": hello, "tmp": False, "limits": {"tmp_bytes": 1 << 20}}),
    ("tmp_bytes with a volume at /tmp",
     {"program": hello, "volumes": [opt.bin + ":/tmp"], "limits": {"tmp_bytes": 1 << 20}}),
    ("tmp_bytes with a volume at /",
     {"program": hello, "volumes": [opt.bin + ":/:ro"], "limits": {"tmp_bytes": 1 << 20}}),
]
for name, body in bad_bodies:
    st, h, data = d.req("POST", "/v1/vms", body)
    try:
        b = json.loads(data)
    except ValueError:
        b = data
    check(f"create with {name} is 400", st == 400 and isinstance(b, dict) and
          b.get("code") == "bad_request" and b.get("fault_message"), f"{st} {data!r}")
st, body = d.json("POST", "/v1/vms", {"snapshot": "none-here"})
check("create from a missing snapshot is 404", st == 404, f"{st} {body}")
st, body = d.json("POST", "/v1/vms", {"program": hello, "name": "fresh"})
check("create another VM", st == 201, f"{st} {body}")
st, body = d.json("POST", "/v1/vms", {"program": hello, "name": "fresh"})
check("create with a name in use is 409", st == 409 and body.get("code") == "conflict", f"{st} {body}")
st, body = d.json("POST", "/v1/vms/fresh/kill", {"signal": "SIGBOGUS"})
check("kill with an unknown signal is 400", st == 400, f"{st} {body}")
st, body = d.json("POST", "/v1/vms/fresh/stop", {"grace_seconds": -1})
check("stop with a negative grace is 400", st == 400, f"{st} {body}")
st, body = d.json("GET", "/v1/vms?state=zombie")
check("list with an unknown state is 400", st == 400, f"{st} {body}")
st, body = d.json("GET", "/v1/vms/fresh/logs?since=-1")
check("logs since -1 is 400", st == 400, f"{st} {body}")
st, body = d.json("GET", "/v1/vms/fresh/wait")
check("waiting for a VM never started is 409", st == 409, f"{st} {body}")
for what in ("pause", "resume", "stop"):
    st, body = d.json("POST", f"/v1/vms/fresh/{what}")
    check(f"{what} of a created VM is 409", st == 409 and body.get("code") == "conflict",
          f"{st} {body}")

# ---- Hostile clients -----------------------------------------------------------

big = b"x" * (65 * 1024)
r = raw(d.sock, b"POST /v1/vms HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(big) + big)
check("a body over --max-body is 413", status_of(r) == 413, r[:80])
r = raw(d.sock, b"POST /v1/vms HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n")
check("a huge Content-Length is 413 at once", status_of(r) == 413, r[:80])
r = raw(d.sock, b"GET /v1/version HTTP/1.1\r\nX: " + b"a" * 20000 + b"\r\n\r\n")
check("a head over 16 KiB is 431", status_of(r) == 431, r[:80])
r = raw(d.sock, b"GARBAGE\r\n\r\n")
check("a malformed request line is 400", status_of(r) == 400, r[:80])
r = raw(d.sock, b"GET /v1/version HTTP/2.0\r\n\r\n")
check("HTTP/2.0 is 505", status_of(r) == 505, r[:80])
r = raw(d.sock, b"POST /v1/vms HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
check("a chunked request body is refused (411)", status_of(r) == 411, r[:80])
r = raw(d.sock, b"POST /v1/vms HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd")
check("conflicting Content-Lengths are 400", status_of(r) == 400, r[:80])
r = raw(d.sock, b"GET /v1/version HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
check("pipelined requests both answered", r.count(b"HTTP/1.1 200") == 2, r[:200])

# A slow client is cut off at --client-timeout (1 s here) with 408, and others
# are served meanwhile.
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(d.sock)
s.sendall(b"GET /v1/ver")
t0 = time.monotonic()
st, _, _ = d.req("GET", "/v1/version")
fast = time.monotonic() - t0
s.settimeout(10)
try:
    got = s.recv(4096)
except OSError:
    got = b""
s.close()
check("a slow client gets 408 and is closed", status_of(got) == 408, got[:80])
check("others are answered while a client is slow", st == 200, f"{st} after {fast:.2f} s")

# Connections past --max-conns (8) are told 503; the daemon serves after.
held = []
for _ in range(8):
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(d.sock)
    held.append(c)
time.sleep(0.2)
r = raw(d.sock, b"GET /v1/version HTTP/1.1\r\n\r\n")
check("a connection past --max-conns is 503", status_of(r) == 503, r[:80])
for c in held:
    c.close()
time.sleep(0.3)
check("the daemon serves again after a flood", d.alive())

# Random bytes: the daemon survives and answers 4xx or closes.
import random

rng = random.Random(1)
for i in range(200):
    junk = bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 300)))
    if rng.random() < 0.5:
        junk = b"POST /v1/vms HTTP/1.1\r\nContent-Length: %d\r\n\r\n" % len(junk) + junk
    r = raw(d.sock, junk, timeout=3)
    st = status_of(r)
    if st is not None and st >= 500 and st != 503:
        bad("random requests never get 5xx", f"{st} for {junk[:60]!r}")
        break
else:
    ok("200 random requests: no 5xx")
check("the daemon is alive after the random requests", d.alive())

# ---- Lifecycle through the API ---------------------------------------------------

if not opt.kvm:
    print("skip VM lifecycle: /dev/kvm missing or not accessible")
else:
    st, vm = d.json("POST", "/v1/vms/fresh/start")
    check("start a created VM", st == 200 and vm["state"] in ("running", "exited"), f"{st} {vm}")
    st, vm = d.json("GET", "/v1/vms/fresh/wait?timeout=30")
    check("wait answers with the exit status", st == 200 and vm["exit_status"] == 0, f"{st} {vm}")
    check("an exited VM has nanvixd's counters", isinstance(vm.get("stats"), dict) and
          vm["stats"].get("syscalls", 0) > 0 and "fs_calls" in vm["stats"], vm.get("stats"))
    st, h, data = d.req("GET", "/v1/vms/fresh/logs")
    native = subprocess.run([hello], capture_output=True).stdout
    check("logs are the program's output", st == 200 and data == native, f"{data!r} vs {native!r}")
    st, h, data = d.req("GET", "/v1/vms/fresh/logs?since=7")
    check("logs since a byte", data == native[7:], f"{data!r}")
    st, vm = d.json("POST", "/v1/vms/fresh/start")
    check("starting an exited VM is 409", st == 409, f"{st} {vm}")

    st, vm = d.json("POST", "/v1/vms", {"program": sleeper, "args": ["60"], "start": True,
                                        "name": "sl"})
    check("create and start a sleeper", st == 201 and vm["state"] == "running", f"{st} {vm}")
    st, vm = d.json("GET", "/v1/vms/sl/wait?timeout=0.3")
    check("a wait that times out is 408", st == 408 and vm.get("code") == "timeout", f"{st} {vm}")
    st, body = d.json("DELETE", "/v1/vms/sl")
    check("deleting a running VM is 409", st == 409, f"{st} {body}")
    st, vm = d.json("POST", "/v1/vms/sl/pause")
    check("pause", st == 200 and vm["state"] == "paused", f"{st} {vm}")
    pid = vm.get("pid")
    stat = "?"
    for _ in range(40):  # SIGSTOP takes effect asynchronously
        stat = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] if pid else "?"
        if stat == "T":
            break
        time.sleep(0.05)
    check("a paused VM's nanvixd is stopped", stat == "T", stat)
    st, vm = d.json("POST", "/v1/vms/sl/resume")
    check("resume", st == 200 and vm["state"] == "running", f"{st} {vm}")
    st, vm = d.json("POST", "/v1/vms/sl/kill", {"signal": "KILL"})
    check("kill answers 202", st == 202, f"{st} {vm}")
    st, vm = d.json("GET", "/v1/vms/sl/wait?timeout=30")
    check("SIGKILL ends the VM with 137", st == 200 and vm["exit_status"] == 137, f"{st} {vm}")
    left = glob.glob(f"/dev/shm/nanvix-api.{d.proc.pid}.*")
    check("a killed VM leaves no /tmp behind", not left, left)

    st, vm = d.json("POST", "/v1/vms", {"program": sleeper, "args": ["60"], "start": True})
    t0 = time.monotonic()
    d.json("POST", f"/v1/vms/{vm['id']}/stop", {"grace_seconds": 0.5})
    st, vm = d.json("GET", f"/v1/vms/{vm['id']}/wait?timeout=30")
    check("stop ends a sleeper (SIGTERM: 143)", st == 200 and vm["exit_status"] == 143,
          f"{st} {vm}")
    st, body = d.json("DELETE", f"/v1/vms/{vm['id']}")
    check("delete an exited VM is 204", st == 204, f"{st} {body}")
    st, body = d.json("GET", f"/v1/vms/{vm['id']}")
    check("a deleted VM is 404", st == 404 and body.get("code") == "not_found", f"{st} {body}")

    st, vm = d.json("POST", "/v1/vms", {"program": sleeper, "args": ["60"], "start": True})
    pid = vm.get("pid")
    st, body = d.req("DELETE", f"/v1/vms/{vm['id']}?force=true")[:2]
    gone = not os.path.exists(f"/proc/{pid}") if pid else False
    check("delete?force=true kills and deletes a running VM", st == 204 and gone, f"{st}")
    check("its state folder is gone", not os.path.exists(os.path.join(d.dir, "state", "vms",
                                                                       vm["id"])))

    st, vm = d.json("POST", "/v1/vms", {"program": hello, "start": True, "auto_remove": True})
    st2, vm2 = d.json("GET", f"/v1/vms/{vm['id']}/wait?timeout=30")
    time.sleep(0.5)
    st3, _ = d.json("GET", f"/v1/vms/{vm['id']}")
    check("auto_remove: gone once waited for", st2 == 200 and st3 == 404, f"{st2} {st3}")

    st, body = d.json("POST", "/v1/vms", {"program": hello, "memory": "1M", "start": True})
    st, vm = d.json("GET", f"/v1/vms/{body['id']}/wait?timeout=30")
    st, h, log = d.req("GET", f"/v1/vms/{body['id']}/logs")
    check("a VM nanvixd refuses exits with nanvixd's status and says why",
          vm["exit_status"] == 121 and b"nanvixd" in log, f"{vm['exit_status']} {log!r}")

    limits = os.path.join(opt.bin, "tests", "limits.elf")
    for lim, args, want in [({"pids": 3}, ["fork"], b"forked 2, then Resource temporarily unavailable\n"),
                            ({"nofile": 10}, ["nofile"], b"opened 7 more"),
                            ({"cpu_seconds": 1}, ["cpu"], b"cpu 1:1\n"),
                            ({"net_sockets": 4}, ["sockets"], b"sockets 4, then Too many open files in system\n")]:
        st, vm = d.json("POST", "/v1/vms", {"program": limits, "args": args, "limits": lim,
                                            "start": True})
        st, vm = d.json("GET", f"/v1/vms/{vm['id']}/wait?timeout=60")
        log = d.req("GET", f"/v1/vms/{vm['id']}/logs")[2]
        status_ok = vm["exit_status"] == (137 if "cpu_seconds" in lim else 0)
        check(f"limits {lim}: enforced", want in log and status_ok, f"{vm['exit_status']} {log!r}")

    # limits.tmp_bytes: the default /tmp filled past it (musl and glibc), and
    # without it /tmp as large as the memory.
    for libc in ("musl", "glibc"):
        fill = os.path.join(opt.bin, "tests", f"tmpfill.{libc}.elf")
        st, vm = d.json("POST", "/v1/vms", {"program": fill, "args": ["/tmp"],
                                            "limits": {"tmp_bytes": 1 << 20}, "start": True})
        st, vm = d.json("GET", f"/v1/vms/{vm['id']}/wait?timeout=60")
        log = d.req("GET", f"/v1/vms/{vm['id']}/logs")[2]
        check(f"limits.tmp_bytes 1M ({libc}): a write cut short, then ENOSPC, names too",
              vm["exit_status"] == 0 and
              b"fill: wrote 1048576 bytes (the last write short: 48576), then ENOSPC\n" in log and
              b"files: made 255, then ENOSPC\n" in log, f"{vm['exit_status']} {log!r}")
    st, vm = d.json("POST", "/v1/vms", {"program": fill, "args": ["/tmp", "df"], "memory": "32M",
                                        "start": True})
    st, vm = d.json("GET", f"/v1/vms/{vm['id']}/wait?timeout=60")
    log = d.req("GET", f"/v1/vms/{vm['id']}/logs")[2]
    check("no tmp_bytes: /tmp is as large as the memory",
          log.startswith(b"empty: 33554432 bytes, 33554432 free;"), f"{log!r}")
    st, vm = d.json("POST", "/v1/vms", {"program": limits, "args": ["write", "/tmp/x", "300000"],
                                        "limits": {"tmp_bytes": 1 << 20}, "start": True})
    st, vm = d.json("GET", f"/v1/vms/{vm['id']}/wait?timeout=60")
    text = d.req("GET", "/v1/metrics")[2].decode()
    check("/tmp's use and limit: in the VM's stats and /v1/metrics",
          (vm.get("stats") or {}).get("tmp_bytes") == 303104 and
          vm["stats"].get("tmp_max") == 1 << 20 and
          f'nanvix_vm_tmp_bytes{{id="{vm["id"]}",name="{vm["name"]}"}} 303104\n' in text and
          f'nanvix_vm_tmp_limit_bytes{{id="{vm["id"]}",name="{vm["name"]}"}} 1048576\n' in text,
          f"{vm.get('stats')} {[l for l in text.splitlines() if 'tmp' in l][:4]}")
    # The network rates reach nanvixd (limits.sh drives a guest past them).
    st, vm = d.json("POST", "/v1/vms", {"program": hello, "start": True,
                                        "limits": {"net_rate": 4096, "net_recv_rate": 1 << 20}})
    st, vm = d.json("GET", f"/v1/vms/{vm['id']}/wait?timeout=60")
    log = d.req("GET", f"/v1/vms/{vm['id']}/logs")[2]
    check("limits net_rate 4K and net_recv_rate 1M: the VM runs", vm["exit_status"] == 0 and
          b"Hello, world" in log, f"{vm['exit_status']} {log!r}")

    # Snapshots: a VM saves one when its program asks (snapshot_out), a VM
    # restores from it, the list shows it, and it can be deleted once no
    # VM restored from it runs.
    fn = os.path.join(opt.bin, "tests", "serve", "fn_test.elf")
    if os.path.exists(fn):
        st, vm = d.json("POST", "/v1/vms", {"program": fn, "net": "guest", "snapshot_out": "fn1",
                                            "env": ["NANVIX_SNAPSHOT=1", "PORT=8080"],
                                            "start": True})
        st, vm = d.json("GET", f"/v1/vms/{vm['id']}/wait?timeout=60")
        check("a VM with snapshot_out saves and exits 0", st == 200 and vm["exit_status"] == 0,
              f"{st} {vm}")
        st, body = d.json("GET", "/v1/snapshots")
        check("the snapshot is listed", st == 200 and [x["name"] for x in body["snapshots"]] == ["fn1"],
              f"{st} {body}")
        st, vm = d.json("POST", "/v1/vms", {"snapshot": "fn1", "start": True})
        check("a VM restores from it", st == 201 and vm["state"] == "running", f"{st} {vm}")
        time.sleep(0.5)
        st, vm2 = d.json("GET", f"/v1/vms/{vm['id']}")
        check("the restored VM runs", vm2.get("state") == "running", vm2)
        st, body = d.json("DELETE", "/v1/snapshots/fn1")
        check("deleting a snapshot a running VM came from is 409", st == 409, f"{st} {body}")
        d.json("POST", f"/v1/vms/{vm['id']}/kill")
        d.json("GET", f"/v1/vms/{vm['id']}/wait?timeout=30")
        st, body = d.json("DELETE", "/v1/snapshots/fn1")
        check("then it is deleted", st == 204 and d.json("GET", "/v1/snapshots")[1]["snapshots"] == [],
              f"{st} {body}")
        st, body = d.json("DELETE", "/v1/snapshots/fn1")
        check("deleting it again is 404", st == 404, f"{st} {body}")
    else:
        print(f"skip snapshots: {fn} not built")

    # Snapshots of a running VM on request: saved at its next idle wait, it
    # goes on; a copy restored from the snapshot goes on from the same point.
    for libc in ("musl", "glibc"):
        ticker = os.path.join(opt.bin, "tests", "snapshot", f"ticker.{libc}.elf")
        if not os.path.exists(ticker):
            bad(f"snapshot request ({libc})", f"{ticker} not built")
            continue
        st, vm = d.json("POST", "/v1/vms", {"program": ticker, "args": ["30", "100"], "net": "none",
                                            "tmp": False, "start": True})
        time.sleep(0.6)
        name = f"live-{libc}"
        st, snap = d.json("POST", f"/v1/vms/{vm['id']}/snapshot", {"name": name, "timeout": 20})
        check(f"{libc}: a running VM is snapshotted on request (201)",
              st == 201 and snap.get("name") == name and snap.get("vm") == vm["id"]
              and snap.get("created_at"), f"{st} {snap}")
        st, run1 = d.json("GET", f"/v1/vms/{vm['id']}")
        time.sleep(0.3)
        st, run2 = d.json("GET", f"/v1/vms/{vm['id']}")
        s1, s2 = run1.get("stats", {}), run2.get("stats", {})
        check(f"{libc}: a running VM's counters are live and grow",
              run2["state"] == "running" and s1.get("syscalls", 0) > 0
              and s2.get("syscalls", 0) > s1["syscalls"] and s2.get("exits", 0) > s1.get("exits", 0),
              f"{s1} {s2}")
        text = d.req("GET", "/v1/metrics")[2].decode()
        check(f"{libc}: and in /v1/metrics while it runs",
              f'nanvix_vm_syscalls_total{{id="{vm["id"]}",' in text, "no series")
        st, again = d.json("POST", f"/v1/vms/{vm['id']}/snapshot", {"name": name})
        check(f"{libc}: a taken name is 409", st == 409 and again["code"] == "conflict", f"{st} {again}")
        st, done = d.json("GET", f"/v1/vms/{vm['id']}/wait?timeout=30")
        log = d.req("GET", f"/v1/vms/{vm['id']}/logs")[2].decode()
        check(f"{libc}: the snapshotted VM went on to its end, generation 0",
              done["exit_status"] == 0 and log.endswith("tick 30 generation 0\ndone\n")
              and "generation 1" not in log, f"{done['exit_status']} {log[-200:]!r}")
        for fixed in [{"memory": "32M"}, {"env": ["A=1"]}, {"net": "none"}, {"tmp": False},
                      {"workdir": "/"}, {"args": ["1"]}, {"limits": {"pids": 4}},
                      {"limits": {"tmp_bytes": 1 << 20}}]:
            st, body = d.json("POST", "/v1/vms", {"snapshot": name, **fixed})
            check(f"{libc}: {fixed} with a snapshot is 400 (the snapshot fixes it)",
                  st == 400 and next(iter(fixed)) in body["fault_message"], f"{st} {body}")
        st, body = d.json("POST", "/v1/vms", {"snapshot": name, "limits": {"cpus": 0.5}, "timeout": 30})
        check(f"{libc}: cpus and timeout go with a snapshot", st == 201, f"{st} {body}")
        if st == 201:
            d.json("DELETE", f"/v1/vms/{body['id']}")
        st, rvm = d.json("POST", "/v1/vms", {"snapshot": name, "start": True})
        check(f"{libc}: the restored VM has the snapshot's memory", rvm.get("memory") == "64M", rvm)
        st, rdone = d.json("GET", f"/v1/vms/{rvm['id']}/wait?timeout=30")
        rlog = d.req("GET", f"/v1/vms/{rvm['id']}/logs")[2].decode().splitlines()
        ticks = [int(l.split()[1]) for l in rlog if l.startswith("tick ")]
        check(f"{libc}: the restored copy goes on from where it was saved (generation 1)",
              rdone["exit_status"] == 0 and ticks and 1 < ticks[0] <= 30
              and ticks == list(range(ticks[0], 31)) and rlog[-1] == "done"
              and all(l.endswith("generation 1") for l in rlog if l.startswith("tick ")),
              f"{rdone['exit_status']} {rlog[:3]} ... {rlog[-2:]}")
    st, body = d.json("GET", "/v1/snapshots")
    names = sorted(x["name"] for x in body["snapshots"])
    check("the snapshots taken on request are listed (and nothing half-written)",
          names == ["live-glibc", "live-musl"], names)
    # Refusals: state outside the VM's memory, a paused VM, an exited VM,
    # bad bodies; a VM that never idles gets 408 and its request ends with it.
    st, vm = d.json("POST", "/v1/vms", {"program": sleeper, "args": ["30"], "start": True})
    st, body = d.json("POST", f"/v1/vms/{vm['id']}/snapshot", {"name": "nope"})
    check("a VM with the default /tmp and network cannot be snapshotted (409, says what to change)",
          st == 409 and "outside its memory" in body["fault_message"]
          and '"tmp": false' in body["fault_message"], f"{st} {body}")
    d.json("POST", f"/v1/vms/{vm['id']}/pause")
    st, body = d.json("POST", f"/v1/vms/{vm['id']}/snapshot", {"name": "nope"})
    check("a paused VM is 409 (resume it first)", st == 409 and "resume" in body["fault_message"],
          f"{st} {body}")
    d.json("POST", f"/v1/vms/{vm['id']}/kill")
    d.json("GET", f"/v1/vms/{vm['id']}/wait?timeout=30")
    st, body = d.json("POST", f"/v1/vms/{vm['id']}/snapshot", {"name": "nope"})
    check("an exited VM is 409", st == 409, f"{st} {body}")
    for what, b in [("no name", {}), ("a bad name", {"name": "../x"}), ("timeout 0", {"name": "a", "timeout": 0}),
                    ("an unknown field", {"name": "a", "force": True}), ("not an object", [1])]:
        st, body = d.json("POST", f"/v1/vms/{vm['id']}/snapshot", b)
        check(f"snapshot with {what} is 400", st == 400, f"{st} {body}")
    loop = os.path.join(opt.bin, "tests", "loop.musl.elf")
    st, vm = d.json("POST", "/v1/vms", {"program": loop, "net": "none", "tmp": False, "start": True})
    time.sleep(0.3)
    st, body = d.json("POST", f"/v1/vms/{vm['id']}/snapshot", {"name": "busy", "timeout": 1})
    check("a VM that never idles: 408 at the timeout", st == 408 and "pending" in body["fault_message"],
          f"{st} {body}")
    st, body = d.json("POST", f"/v1/vms/{vm['id']}/snapshot", {"name": "busy2"})
    check("a second request while one is pending is 409", st == 409 and "pending" in body["fault_message"],
          f"{st} {body}")
    d.json("POST", f"/v1/vms/{vm['id']}/kill")
    d.json("GET", f"/v1/vms/{vm['id']}/wait?timeout=30")
    time.sleep(0.2)
    st, body = d.json("GET", "/v1/snapshots")
    left = [x for x in os.listdir(os.path.join(d.dir, "state", "snapshots")) if "busy" in x]
    events = [json.loads(l) for l in open(d.audit)]
    check("the pending request ends with the VM: no snapshot, nothing left, audited",
          "busy" not in [x["name"] for x in body["snapshots"]] and not left
          and any(e["event"] == "snapshot_failed" and e.get("snapshot") == "busy" for e in events)
          and sum(e["event"] == "snapshot_taken" for e in events) == 2, f"{body} {left}")
    check("VM events name who created the VM",
          all(e.get("who", "").startswith("uid ") for e in events
              if e["event"] in ("snapshot_taken", "snapshot_failed")), events[-3:])

    # Functions: registered, invoked with a body as stdin, counted, updated, deleted.
    cat = os.path.join(opt.bin, "tests", "cat.musl.elf")
    exitcode = os.path.join(opt.bin, "tests", "exitcode.musl.elf")
    st, fn = d.json("POST", "/v1/functions", {"name": "cat", "program": cat, "memory": "32M"})
    check("register a function", st == 201 and fn["name"] == "cat" and fn["invocations"] == 0,
          f"{st} {fn}")
    st, body = d.json("POST", "/v1/functions", {"name": "cat", "program": cat})
    check("registering a name in use is 409", st == 409, f"{st} {body}")
    for name, bad_spec in [("an unknown field", {"name": "f1", "program": cat, "start": True}),
                           ("no program", {"name": "f1"}),
                           ("a program outside --allow-path", {"name": "f1", "program": "/bin/sh"}),
                           ("no name", {"program": cat}),
                           ("a bad name", {"name": "../f", "program": cat}),
                           ("a timeout over an hour", {"name": "f1", "program": cat, "timeout": 4000}),
                           ("bad limits", {"name": "f1", "program": cat, "limits": {"pids": 0}})]:
        st, body = d.json("POST", "/v1/functions", bad_spec)
        check(f"registering a function with {name} is 400", st == 400, f"{st} {body}")
    data = bytes(range(256)) * 64
    st, h, out = d.req("POST", "/v1/functions/cat/invoke", data,
                       headers={"Content-Type": "application/octet-stream"})
    check("invoke: the body is stdin, the answer stdout (16 KiB, every byte value)",
          st == 200 and out == data and h.get("x-nanvix-exit-status") == "0" and
          h.get("x-nanvix-vm"), f"{st} {len(out)} {h}")
    st, h, out = d.req("POST", "/v1/functions/cat/invoke")
    check("invoke with no body: empty stdin", st == 200 and out == b"", f"{st} {out!r}")
    d.json("POST", "/v1/functions", {"name": "ex", "program": exitcode, "args": ["7"]})
    st, h, out = d.req("POST", "/v1/functions/ex/invoke")
    check("invoke: the exit status in X-Nanvix-Exit-Status", h.get("x-nanvix-exit-status") == "7",
          f"{st} {h}")
    st, fn = d.json("GET", "/v1/functions/cat")
    check("invocations are counted", fn.get("invocations") == 2, fn)
    st, fn = d.json("PUT", "/v1/functions/cat", {"program": hello})
    st2, h, out = d.req("POST", "/v1/functions/cat/invoke", b"ignored")
    check("PUT replaces what runs", st == 200 and out == native, f"{st} {out!r}")
    d.json("POST", "/v1/functions", {"name": "slow", "program": sleeper, "args": ["1"]})
    import threading
    res = {}
    th = threading.Thread(target=lambda: res.update(r=d.req("POST", "/v1/functions/slow/invoke")))
    th.start()
    seen = []
    for _ in range(50):
        st, body = d.json("GET", "/v1/functions/slow/instances")
        seen = body.get("vms", [])
        if seen:
            break
        time.sleep(0.05)
    th.join(30)
    check("instances lists a running invocation", len(seen) == 1 and seen[0]["state"] == "running",
          seen)
    check("the slow invocation answers once it ends", res.get("r", (0,))[0] == 200 and
          res["r"][2] == b"sleeping\nwoke\n", res.get("r"))
    st, body = d.json("DELETE", "/v1/functions/cat")
    st2, body2 = d.json("POST", "/v1/functions/cat/invoke")
    check("a deleted function is 404", st == 204 and st2 == 404, f"{st} {st2} {body2}")
    st, body = d.json("GET", "/v1/functions")
    check("the list holds what is left", sorted(f["name"] for f in body["functions"]) == ["ex", "slow"],
          body)
    # Warm starts: a function whose invocations are restores of a snapshot
    # taken where the program is about to read its input.
    snap_cat = os.path.join(opt.bin, "tests", "snapshot", "snap_cat.musl.elf")
    st, vm = d.json("POST", "/v1/vms", {"program": snap_cat, "net": "none", "snapshot_out": "catsnap",
                                        "start": True})
    st, vm = d.json("GET", f"/v1/vms/{vm['id']}/wait?timeout=60")
    check("a snapshot for a function (snapshot_out) is saved", vm.get("exit_status") == 0, vm)
    for what, spec in [("program and snapshot", {"program": snap_cat, "snapshot": "catsnap"}),
                       ("neither program nor snapshot", {"args": ["x"]}),
                       ("a missing snapshot", {"snapshot": "no-such"}),
                       ("memory with a snapshot", {"snapshot": "catsnap", "memory": "32M"})]:
        st, body = d.json("POST", "/v1/functions", {"name": "warmbad", **spec})
        check(f"a FunctionSpec with {what} is 400", st == 400, f"{st} {body}")
    st, fn = d.json("POST", "/v1/functions", {"name": "warmcat", "snapshot": "catsnap"})
    check("register a function from a snapshot", st == 201 and fn["spec"] == {"snapshot": "catsnap"},
          f"{st} {fn}")
    outs = [d.req("POST", "/v1/functions/warmcat/invoke", body) for body in (b"hello\n", b"second")]
    check("each invocation restores the snapshot and reads its own body",
          [o[0] for o in outs] == [200, 200] and outs[0][2] == b"generation 1\nHELLO\n"
          and outs[1][2] == b"generation 1\nSECOND"
          and all(o[1].get("x-nanvix-exit-status") == "0" for o in outs), outs)
    st, body = d.json("DELETE", "/v1/snapshots/catsnap")
    check("a snapshot a function restores cannot be deleted (409)",
          st == 409 and "warmcat" in body["fault_message"], f"{st} {body}")
    text = d.req("GET", "/v1/metrics")[2].decode()
    check("restores are counted", 'nanvix_function_restores_total{name="warmcat"} 2\n' in text,
          [l for l in text.splitlines() if "restores" in l])
    d.json("DELETE", "/v1/functions/warmcat")
    st, body = d.json("DELETE", "/v1/snapshots/catsnap")
    check("once the function is gone, the snapshot is deleted", st == 204, f"{st} {body}")

    # A follow stream sees output as it comes and ends when the VM exits.
    st, vm = d.json("POST", "/v1/vms", {"program": sleeper, "args": ["1"], "start": True})
    t0 = time.monotonic()
    st, h, data = d.req("GET", f"/v1/vms/{vm['id']}/logs?follow=true")
    check("logs?follow=true streams until the VM exits",
          st == 200 and data == b"sleeping\nwoke\n" and h.get("transfer-encoding") == "chunked",
          f"{st} {data!r} {h}")

    # W^X refusals: counted in the VM's stats, one wx_refused audit event a
    # kind, a per-VM metric; a program nanvixd will not load is audited too.
    rwx = os.path.join(opt.bin, "tests", "mprotect_rwx.musl.elf")
    wxseg = os.path.join(opt.bin, "tests", "wx_segment.elf")
    wx_id = None
    if not (os.path.exists(rwx) and os.path.exists(wxseg)):
        bad("W^X refusals", f"{rwx} or {wxseg} not built")
    else:
        st, vm = d.json("POST", "/v1/vms", {"program": rwx, "args": ["2"], "name": "wxprobe",
                                            "start": True})
        wx_id = vm["id"]
        st, vm = d.json("GET", f"/v1/vms/{wx_id}/wait?timeout=30")
        stats = vm.get("stats") or {}
        check("W^X refusals are in an exited VM's stats",
              vm["exit_status"] == 0 and stats.get("wx_refused") == 4 and
              stats.get("wx_mmap") == 2 and stats.get("wx_mprotect") == 2 and
              stats.get("wx_exec") == 0, f"{vm['exit_status']} {stats}")
        events = [json.loads(l) for l in open(d.audit)]
        wx = [e for e in events if e["event"] == "wx_refused" and e.get("vm") == wx_id]
        check("W^X refusals are in the audit log, a line a kind",
              sorted((e.get("kind"), e.get("count"), e.get("name")) for e in wx) ==
              [("mmap", "2", "wxprobe"), ("mprotect", "2", "wxprobe")] and
              all("PROT_WRITE|PROT_EXEC" in e.get("message", "") for e in wx), wx)
        st, vm = d.json("POST", "/v1/vms", {"program": wxseg, "start": True})
        st, vm = d.json("GET", f"/v1/vms/{vm['id']}/wait?timeout=30")
        events = [json.loads(l) for l in open(d.audit)]
        wx = [e for e in events if e["event"] == "wx_refused" and e.get("vm") == vm["id"]]
        check("a program refused for a W+X segment is audited (kind load)",
              vm["exit_status"] == 126 and len(wx) == 1 and wx[0].get("kind") == "load" and
              wx[0].get("count") == "1" and
              "writable and executable" in wx[0].get("message", ""), f"{vm['exit_status']} {wx}")
        st, vm = d.json("POST", "/v1/vms", {"program": hello, "start": True})
        st, vm = d.json("GET", f"/v1/vms/{vm['id']}/wait?timeout=30")
        events = [json.loads(l) for l in open(d.audit)]
        check("a VM with no W^X refusal has no wx_refused event",
              not [e for e in events if e["event"] == "wx_refused" and e.get("vm") == vm["id"]])

    # Lines that look like nanvixd's refusals, printed by the guest, are not
    # audited: the daemon takes nanvixd's events from the control channel.
    forge = os.path.join(opt.bin, "tests", "forge_log.musl.elf")
    for status in (119, 126):
        st, vm = d.json("POST", "/v1/vms", {"program": forge, "args": [str(status)],
                                            "start": True})
        st, vm = d.json("GET", f"/v1/vms/{vm['id']}/wait?timeout=30")
        log = d.req("GET", f"/v1/vms/{vm['id']}/logs")[2]
        events = [json.loads(l) for l in open(d.audit)]
        forged = [e for e in events if e.get("vm") == vm["id"] and
                  e["event"] in ("seccomp_kill", "trust_refused", "egress_refused", "wx_refused")]
        check(f"a guest's forged refusal lines (exit {status}) are not audited",
              vm["exit_status"] == status and b"nanvixd: seccomp:" in log and not forged,
              f"{vm['exit_status']} {forged}")

    st, text = d.req("GET", "/v1/metrics")[0], d.req("GET", "/v1/metrics")[2].decode()
    for series in ("nanvix_vm_starts_total", "nanvix_vms{state=\"exited\"}",
                   "nanvix_vm_start_seconds_bucket", "nanvix_api_requests_total",
                   "nanvix_vm_exit_status{", "nanvix_vm_syscalls_total{", "nanvix_vm_kvm_exits_total{"):
        check(f"/v1/metrics has {series}", series in text, text[:200])
    if wx_id:
        for series in (f'nanvix_vm_wx_refused_total{{id="{wx_id}",name="wxprobe"}} 4\n',
                       'nanvix_audit_events_total{event="wx_refused"} 3\n'):
            check(f"/v1/metrics has {series.strip()}", series in text,
                  [l for l in text.splitlines() if "wx_refused" in l])
    try:
        pt = subprocess.run(["promtool", "check", "metrics"], input=text, text=True,
                            capture_output=True)
        check("promtool check metrics", pt.returncode == 0, pt.stdout + pt.stderr)
    except FileNotFoundError:
        print("skip promtool: not installed (apt-get install prometheus)")

    # W^X refusals while the VM runs: the daemon asks its counters every 5 s
    # and audits what is new each time (count: the refusals since).
    if os.path.exists(rwx):
        def wx_sums(vm_id):
            sums = {}
            for e in (json.loads(l) for l in open(d.audit)):
                if e["event"] == "wx_refused" and e.get("vm") == vm_id:
                    sums[e["kind"]] = sums.get(e["kind"], 0) + int(e["count"])
            return sums
        st, vm = d.json("POST", "/v1/vms", {"program": rwx, "args": ["3", "sleep"],
                                            "start": True})
        for _ in range(250):
            if wx_sums(vm["id"]) == {"mmap": 3, "mprotect": 3}:
                break
            time.sleep(0.1)
        st2, running = d.json("GET", f"/v1/vms/{vm['id']}")
        check("W^X refusals are audited while the VM runs",
              running.get("state") == "running" and
              wx_sums(vm["id"]) == {"mmap": 3, "mprotect": 3},
              f"{running.get('state')} {wx_sums(vm['id'])}")
        d.json("POST", f"/v1/vms/{vm['id']}/kill", {"signal": "SIGKILL"})
        d.json("GET", f"/v1/vms/{vm['id']}/wait?timeout=30")
        check("and not again when it exits", wx_sums(vm["id"]) == {"mmap": 3, "mprotect": 3},
              wx_sums(vm["id"]))

    # Refused egress reaches the audit log.
    http_get = os.path.join(opt.bin, "tests", "net", "http_get.elf")
    if os.path.exists(http_get):
        st, vm = d.json("POST", "/v1/vms", {"program": http_get, "args": ["10.0.2.2", "1", "/"],
                                            "start": True})
        d.json("GET", f"/v1/vms/{vm['id']}/wait?timeout=30")
        lines = [json.loads(l) for l in open(d.audit)]
        check("refused egress is in the audit log",
              any(l["event"] == "egress_refused" and l.get("vm") == vm["id"] and
                  "refused 10.0.2.2:1/tcp" in l.get("message", "") for l in lines),
              [l for l in lines if l["event"] == "egress_refused"][:2])

    # Shutting the daemon down kills what runs and leaves no socket.
    st, vm = d.json("POST", "/v1/vms", {"program": sleeper, "args": ["60"], "start": True})
    pid = vm.get("pid")

st, h, data = d.req("GET", "/v1/health")
check("health is 200 and ok", st == 200 and json.loads(data)["status"] == "ok", data)
rc = d.stop()
check("SIGTERM stops the daemon with 0", rc == 0, rc)
check("the daemon removes its socket", not os.path.exists(d.sock))
if opt.kvm:
    check("its VMs do not outlive it", pid and not os.path.exists(f"/proc/{pid}"), pid)
    check("no /tmp bases are left", not glob.glob(f"/dev/shm/nanvix-api.{d.proc.pid}.*"))
lines = [json.loads(l) for l in open(d.audit)]
check("the audit log is JSON lines with time and event",
      lines and all("time" in l and "event" in l for l in lines), lines[:2])
check("the audit log has who did what",
      any(l["event"] == "api" and l.get("method") == "POST" and l.get("who", "").startswith("uid ")
          for l in lines), lines[:3])

if opt.kvm:
    d = Daemon()
    st, vm = d.json("POST", "/v1/vms", {"program": sleeper, "args": ["60"], "start": True})
    pid = vm.get("pid")
    d.proc.kill()
    d.proc.wait()
    d.err.close()
    for _ in range(100):
        if not pid or not os.path.exists(f"/proc/{pid}") or \
                open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] == "Z":
            break
        time.sleep(0.1)
    check("a daemon killed with SIGKILL leaves no VM running",
          pid and (not os.path.exists(f"/proc/{pid}") or
                   open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] == "Z"), pid)

# A VM whose nanvixd its filter stops: audited from nanvixd's event (the
# test-only nanvixd.sandbox makes a forbidden call on its vCPU's thread).
sandboxed = os.path.join(opt.bin, "tests", "nanvixd.sandbox")
if opt.kvm and os.path.exists(sandboxed):
    wrapper = os.path.join(opt.tmp, "nanvixd-forbidden")
    with open(wrapper, "w") as f:
        f.write(f'#!/bin/sh\nNANVIXD_TEST_FORBIDDEN=vcpu exec "{sandboxed}" '
                f'--kernel "{opt.bin}/kernel.elf" "$@"\n')
    os.chmod(wrapper, 0o755)
    d = Daemon("--nanvixd", wrapper)
    st, vm = d.json("POST", "/v1/vms", {"program": hello, "start": True})
    st, vm = d.json("GET", f"/v1/vms/{vm['id']}/wait?timeout=30")
    events = [json.loads(l) for l in open(d.audit)]
    kills = [e for e in events if e["event"] == "seccomp_kill" and e.get("vm") == vm["id"]]
    check("a seccomp stop of nanvixd is audited from its event",
          vm["exit_status"] == 119 and len(kills) == 1 and
          "forbidden system call" in kills[0].get("message", "") and
          "vcpu thread" in kills[0].get("message", ""), f"{vm['exit_status']} {kills}")
    d.stop()

# ---- Keys, scopes and rates, over the Unix socket and TCP ------------------------


def keygen(name, scopes):
    out = subprocess.run([opt.daemon, "keygen", name, scopes], capture_output=True, text=True,
                         check=True).stdout
    key = re.search(r"^key: (\S+)$", out, re.M).group(1)
    entry = json.loads(re.search(r"^entry: (.*)$", out, re.M).group(1))
    return key, entry


kr, er = keygen("reader", "read")
ki, ei = keygen("invoker", "read,invoke")
km, em = keygen("admin", "read,invoke,manage")
er.update(rate=2, burst=2)
keys_file = os.path.join(opt.tmp, "keys.json")
json.dump({"keys": [er, ei, em]}, open(keys_file, "w"))
check("keygen's entry has the hash, not the key", kr not in json.dumps(er) and len(er["sha256"]) == 64)

r = subprocess.run([opt.daemon, "--listen", "127.0.0.1:0", "--socket", os.path.join(opt.tmp, "x.sock")],
                   capture_output=True, text=True, timeout=10)
check("--listen without --keys is refused (2)", r.returncode == 2 and "--keys" in r.stderr, r.stderr)
r = subprocess.run([opt.daemon, "--keys", keys_file, "--listen", "0.0.0.0:0",
                    "--socket", os.path.join(opt.tmp, "x.sock")], capture_output=True, text=True,
                   timeout=10)
check("--listen on a non-loopback address is refused", r.returncode == 2, r.stderr)
bad_keys = os.path.join(opt.tmp, "bad-keys.json")
for content in ['{"keys": [{"name": "x", "sha256": "abc", "scopes": ["read"]}]}',
                '{"keys": [{"name": "x", "sha256": "' + "0" * 64 + '", "scopes": ["root"]}]}',
                '{"keys": []}', "not json"]:
    open(bad_keys, "w").write(content)
    r = subprocess.run([opt.daemon, "--keys", bad_keys, "--socket", os.path.join(opt.tmp, "x.sock")],
                       capture_output=True, text=True, timeout=10)
    check(f"a bad keys file is refused: {content[:40]}", r.returncode == 2 and "--keys" in r.stderr,
          r.stderr)

d = Daemon("--keys", keys_file, "--listen", "127.0.0.1:0")
m = re.search(r"http://127\.0\.0\.1:(\d+)", d.ready)
check("the TCP listener is announced", m is not None, d.ready)
port = int(m.group(1)) if m else 0


def tcp(method, path, key=None, body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    h = {"Authorization": "Bearer " + key} if key else {}
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data


st, h, data = d.req("GET", "/v1/version")
check("no key on the socket is 401", st == 401 and "www-authenticate" in h, f"{st} {data!r}")
st, h, data = tcp("GET", "/v1/version")
check("no key on TCP is 401", st == 401, f"{st} {data!r}")
st, h, data = tcp("GET", "/v1/version", key="nvx_" + "0" * 64)
check("an unknown key is 401", st == 401, f"{st} {data!r}")
st, h, data = tcp("GET", "/v1/version", key=ki)
check("a read scope answers on TCP", st == 200, f"{st} {data!r}")
st, h, data = d.req("POST", "/v1/vms", {"program": hello}, key=kr)
check("create without the invoke scope is 403", st == 403 and b"forbidden" in data, f"{st} {data!r}")
st, h, data = d.req("POST", "/v1/vms", {"program": hello, "name": "k1"}, key=ki)
check("create with the invoke scope is 201",
      st == 201, f"{st} {data!r}")
st, h, data = d.req("POST", "/v1/functions", {"name": "kf", "program": hello}, key=ki)
check("registering a function without the manage scope is 403", st == 403, f"{st} {data!r}")
st, h, data = d.req("POST", "/v1/functions", {"name": "kf", "program": hello}, key=km)
st2, h, data2 = d.req("POST", "/v1/functions/kf/invoke", key=kr)
st3, h, data3 = d.req("POST", "/v1/functions/kf/invoke", key=ki)
check("invoking needs the invoke scope", st == 201 and st2 == 403 and st3 == 200,
      f"{st} {st2} {st3} {data3!r}")
st, h, data = d.req("DELETE", "/v1/vms/k1", key=ki)
check("delete without the manage scope is 403", st == 403, f"{st} {data!r}")
st, h, data = d.req("DELETE", "/v1/vms/k1", key=km)
check("delete with the manage scope is 204", st == 204, f"{st} {data!r}")
statuses = [d.req("GET", "/v1/version", key=kr)[:2] for _ in range(6)]
limited = [h for st, h in statuses if st == 429]
check("past its rate a key gets 429 with Retry-After",
      limited and all(h.get("retry-after", "").isdigit() for h in limited), statuses)
check("another key is not limited by it", d.req("GET", "/v1/version", key=ki)[0] == 200)
time.sleep(1.1)
check("the bucket refills", d.req("GET", "/v1/version", key=kr)[0] == 200)
text = d.req("GET", "/v1/metrics", key=ki)[2].decode()
check("metrics count the 429s per key", 'nanvix_api_rate_limited_total{key="reader"}' in text, text[:300])
d.stop()
events = [json.loads(l)["event"] for l in open(d.audit)]
for e in ("auth_refused", "rate_limited", "api"):
    check(f"the audit log has {e}", e in events, events)
refusal = [json.loads(l) for l in open(d.audit) if '"auth_refused"' in l]
check("an auth refusal names the peer", refusal and refusal[0].get("who", "").startswith(("tcp ", "uid ")),
      refusal[:1])

print(f"api: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
