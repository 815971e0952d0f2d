"""The Python SDK (sdk/python) against a running nanvix-api.

tests/api/sdk.sh installs the SDK, starts a daemon and runs this with
NANVIX_TEST_HOST (the daemon's address) and NANVIX_TEST_BIN (the
directory of guest programs, inside the daemon's --allow-path) set,
and for the Keys cases a second daemon with --keys (NANVIX_TEST_KEYED_TCP,
NANVIX_TEST_KEYED_UNIX, NANVIX_TEST_KEY_READ, NANVIX_TEST_KEY_ALL).
Programs run natively too, to compare: the VM must print what Linux
prints.  Arguments name cases to run (e.g. follow-logs); none runs all.
Prints ok/FAIL/skip a case and `sdk: N passed, M failed`, or
writes "passed failed skipped" to SDK_TEST_COUNTS when that is set (the
script then prints the summary).  Cases that run VMs are skipped, saying
why, when /dev/kvm is not usable.
"""

import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import unittest

import nanvix

HOST = os.environ.get("NANVIX_TEST_HOST", "")
BIN = os.environ.get("NANVIX_TEST_BIN") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "bin")
BIN = os.path.realpath(BIN)
T = os.path.join(BIN, "tests")

HELLO = os.path.join(BIN, "hello.elf")
ARGS = os.path.join(T, "args.musl.elf")
CAT = os.path.join(T, "cat.musl.elf")
EXITCODE = os.path.join(T, "exitcode.musl.elf")
LOOP = os.path.join(T, "loop.musl.elf")
SLEEPER = os.path.join(T, "sleeper.musl.elf")
TRAPSIG = os.path.join(T, "trapsig.musl.elf")
TICKER = os.path.join(T, "snapshot", "ticker.musl.elf")
SNAP_CAT = os.path.join(T, "snapshot", "snap_cat.musl.elf")


def kvm_problem():
    """Why VMs cannot run here, or None."""
    try:
        os.close(os.open("/dev/kvm", os.O_RDWR))
    except OSError as e:
        return "/dev/kvm is missing or not accessible (%s); the micro-VM needs KVM" % e.strerror
    for p in (HELLO, ARGS, CAT, EXITCODE, LOOP, SLEEPER, TRAPSIG):
        if not os.access(p, os.X_OK):
            return "%s not built (make)" % p
    return None


KVM_PROBLEM = kvm_problem()


def native(prog, *args, env=None):
    """(exit status, stdout) of prog run on the host."""
    p = subprocess.run([prog, *args], env=env or {}, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=30)
    return p.returncode, p.stdout


class Case(unittest.TestCase):
    """A client of the daemon; deletes the VMs a case made."""

    maxDiff = 2000

    def setUp(self):
        self.client = nanvix.Client(HOST, timeout=30)
        self.made = []

    def tearDown(self):
        for id in self.made:
            try:
                self.client.delete_vm(id, force=True)
            except nanvix.ApiError as e:
                if e.status != 404:
                    raise

    def vm(self, program=None, *args, **kw):
        """create_vm, remembered for tearDown."""
        vm = self.client.create_vm(program, args=list(args), **kw)
        self.made.append(vm["id"])
        return vm

    def until_output(self, id, text, seconds=15):
        """The VM's log once it holds text (follow_logs), else a failure."""
        out = bytearray()
        deadline = time.monotonic() + seconds
        with self.client.follow_logs(id, timeout=seconds) as stream:
            for chunk in stream:
                out += chunk
                if text in out:
                    return bytes(out)
                if time.monotonic() > deadline:
                    break
        self.fail("%r never appeared in the log (got %r)" % (text, bytes(out[:300])))

    def assertApiError(self, status, code, call, *args, **kw):
        with self.assertRaises(nanvix.ApiError) as cm:
            call(*args, **kw)
        e = cm.exception
        self.assertEqual((e.status, e.code), (status, code), "error: %s" % e)
        self.assertIsInstance(e.fault_message, str)
        self.assertTrue(e.fault_message, "empty fault_message")
        return e


class Daemon(Case):
    """What needs no VM."""

    def test_version(self):
        v = self.client.version()
        self.assertEqual(v["api"], "v1")
        self.assertIsInstance(v["version"], str)
        self.assertTrue(v["version"])

    def test_health(self):
        h = self.client.health()  # a 503 unhealthy answer is returned too
        self.assertIn(h["status"], ("ok", "unhealthy"))
        self.assertIsInstance(h["checks"], dict)
        if KVM_PROBLEM is None:
            self.assertEqual(h["status"], "ok", "checks: %s" % h["checks"])

    def test_metrics(self):
        m = self.client.metrics()
        self.assertIsInstance(m, str)
        samples = [ln for ln in m.splitlines() if ln and not ln.startswith("#")]
        self.assertTrue(samples, "no samples in %r" % m[:200])

    def test_host_from_env(self):
        old = os.environ.get("NANVIX_HOST")
        os.environ["NANVIX_HOST"] = HOST
        try:
            self.assertEqual(nanvix.Client().version()["api"], "v1")
        finally:
            if old is None:
                del os.environ["NANVIX_HOST"]
            else:
                os.environ["NANVIX_HOST"] = old

    def test_not_found(self):
        c = self.client
        self.assertApiError(404, "not_found", c.get_vm, "no-such-vm")
        self.assertApiError(404, "not_found", c.start_vm, "no-such-vm")
        self.assertApiError(404, "not_found", c.wait_vm, "no-such-vm", timeout=1)
        self.assertApiError(404, "not_found", c.stop_vm, "no-such-vm")
        self.assertApiError(404, "not_found", c.kill_vm, "no-such-vm")
        self.assertApiError(404, "not_found", c.pause_vm, "no-such-vm")
        self.assertApiError(404, "not_found", c.resume_vm, "no-such-vm")
        self.assertApiError(404, "not_found", c.delete_vm, "no-such-vm")
        self.assertApiError(404, "not_found", c.logs, "no-such-vm")
        self.assertApiError(404, "not_found", c.follow_logs, "no-such-vm")

    def test_unknown_route(self):
        self.assertApiError(404, "not_found", self.client.request, "GET", "/v1/nothing")
        self.assertApiError(405, "method_not_allowed", self.client.request, "PUT", "/v1/version")

    def test_bad_request(self):
        c = self.client
        e = self.assertApiError(400, "bad_request", c.request, "POST", "/v1/vms",
                                body={"program": HELLO, "args": "not a list"})
        self.assertNotIn("{", e.fault_message[:1])
        self.assertApiError(400, "bad_request", c.request, "POST", "/v1/vms", body=["a list"])
        self.assertApiError(400, "bad_request", c.create_vm, HELLO, no_such_field=1)
        self.assertApiError(400, "bad_request", c.create_vm, HELLO, name="-not a name")
        self.assertApiError(400, "bad_request", c.list_vms, state="sleepy")
        with self.assertRaises(TypeError):  # caught before it is sent
            c.create_vm(HELLO, args="one")

    def test_unreachable(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "none.sock")
            with self.assertRaises(nanvix.ConnectionError) as cm:
                nanvix.Client(path).version()
            self.assertIn(path, str(cm.exception))
            self.assertIsInstance(cm.exception, ConnectionError)  # the builtin too
            # A socket file nobody listens on.
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.bind(path)
            s.close()
            with self.assertRaises(nanvix.ConnectionError):
                nanvix.Client("unix:" + path).health()
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        with self.assertRaises(nanvix.ConnectionError):
            nanvix.Client("http://127.0.0.1:%d" % port, timeout=5).version()


class Vms(Case):
    """What runs VMs: skipped without KVM."""

    def setUp(self):
        if KVM_PROBLEM:
            self.skipTest(KVM_PROBLEM)
        super().setUp()

    def test_run_hello(self):
        st, out = native(HELLO)
        self.assertEqual(self.client.run(HELLO), (st, out))

    def test_run_args_env(self):
        args = ["one", "two words", ""]
        env = {"NANVIX_A": "alpha", "NANVIX_B": "two words"}
        want = native(ARGS, *args, env=env)
        self.assertIn(b"argv[2]=two words\n", want[1])
        self.assertEqual(self.client.run(ARGS, args=args, env=env), want)
        # env as a list of KEY=VALUE, and none at all.
        self.assertEqual(self.client.run(ARGS, args=args, env=["%s=%s" % kv for kv in env.items()]),
                         want)
        self.assertEqual(self.client.run(ARGS), native(ARGS))

    def test_exit_status(self):
        for n in ("0", "7", "255"):
            st, _ = native(EXITCODE, n)
            self.assertEqual(st, int(n))
            self.assertEqual(self.client.run(EXITCODE, args=[n]), (st, b""), "exitcode %s" % n)

    def test_create_field_passthrough(self):
        # VmCreate's timeout: killed after 0.5 s with status 124.
        st, out = self.client.run(LOOP, timeout=0.5, memory="32M")
        self.assertEqual(st, 124)
        self.assertIn(b"spinning", out)

    def test_create_then_start(self):
        c = self.client
        vm = self.vm(HELLO, name="sdk-hello")
        self.assertEqual(vm["state"], "created")
        self.assertEqual(vm["name"], "sdk-hello")
        self.assertEqual(c.get_vm("sdk-hello")["id"], vm["id"])  # by name
        self.assertEqual(c.get_vm(vm["id"])["state"], "created")
        self.assertApiError(409, "conflict", c.create_vm, HELLO, name="sdk-hello")
        started = c.start_vm(vm["id"])
        self.assertIn(started["state"], ("running", "exited"))
        self.assertApiError(409, "conflict", c.start_vm, vm["id"])
        done = c.wait_vm(vm["id"], timeout=30)
        self.assertEqual(done["state"], "exited")
        self.assertEqual(done["exit_status"], 0)
        want = native(HELLO)[1]
        self.assertEqual(c.logs(vm["id"]), want)
        self.assertEqual(c.logs(vm["id"], since=7), want[7:])
        self.assertEqual(done["log_bytes"], len(want))

    def test_follow_logs(self):
        # sleeper prints "sleeping", sleeps 2 s, prints "woke": the first
        # line must arrive while the VM still runs.
        c = self.client
        vm = self.vm(SLEEPER, "2", start=True)
        t0 = time.monotonic()
        chunks, seen, state = [], {}, None
        with c.follow_logs(vm["id"], timeout=30) as stream:
            for chunk in stream:
                chunks.append(chunk)
                text = b"".join(chunks)
                for word in (b"sleeping", b"woke"):
                    if word in text and word not in seen:
                        seen[word] = time.monotonic() - t0
                        if word == b"sleeping":
                            state = c.get_vm(vm["id"])["state"]
        self.assertEqual(b"".join(chunks), b"sleeping\nwoke\n")
        self.assertEqual(state, "running", "state when the first line came")
        self.assertGreater(seen[b"woke"] - seen[b"sleeping"], 1.0, "times: %s" % seen)
        self.assertEqual(c.get_vm(vm["id"])["state"], "exited")  # the stream ends at exit
        # From an offset, on an exited VM: what is left, then the end.
        self.assertEqual(b"".join(c.follow_logs(vm["id"], since=9)), b"woke\n")

    def test_list_vms(self):
        c = self.client
        a = self.vm(HELLO)
        b = self.vm(HELLO)
        ids = [v["id"] for v in c.list_vms()]
        self.assertIn(a["id"], ids)
        self.assertIn(b["id"], ids)
        self.assertLess(ids.index(a["id"]), ids.index(b["id"]), "oldest first")
        created = c.list_vms(state="created")
        self.assertTrue(all(v["state"] == "created" for v in created))
        self.assertIn(a["id"], [v["id"] for v in created])
        c.start_vm(a["id"])
        c.wait_vm(a["id"], timeout=30)
        exited = [v["id"] for v in c.list_vms(state="exited")]
        self.assertIn(a["id"], exited)
        self.assertNotIn(b["id"], exited)
        for v in c.list_vms():
            for key in ("id", "name", "state", "created_at"):
                self.assertIn(key, v)

    def test_stop(self):
        c = self.client
        # A program with a SIGTERM handler exits on its own.
        vm = self.vm(TRAPSIG, "handle", start=True)
        self.until_output(vm["id"], b"ready\n")
        c.stop_vm(vm["id"], grace_seconds=10)
        done = c.wait_vm(vm["id"], timeout=30)
        self.assertEqual(done["exit_status"], 0)
        self.assertIn(b"caught SIGTERM\n", c.logs(vm["id"]))
        # The default action: killed by SIGTERM (143), as natively.
        vm = self.vm(LOOP, start=True)
        self.until_output(vm["id"], b"spinning\n")
        self.assertIn(c.stop_vm(vm["id"])["state"], ("stopping", "running", "exited"))
        self.assertEqual(c.wait_vm(vm["id"], timeout=30)["exit_status"], 143)
        # One that ignores SIGTERM is killed once the grace period ends.
        vm = self.vm(TRAPSIG, "ignore", start=True)
        self.until_output(vm["id"], b"ready\n")
        t0 = time.monotonic()
        c.stop_vm(vm["id"], grace_seconds=1)
        done = c.wait_vm(vm["id"], timeout=30)
        took = time.monotonic() - t0
        self.assertIn(done["exit_status"], (137, 143))
        self.assertTrue(0.8 <= took < 6, "killed after %.1f s, grace 1 s" % took)
        # Stopping an exited VM is no error.
        c.stop_vm(vm["id"])

    def test_kill(self):
        c = self.client
        vm = self.vm(LOOP, start=True)
        self.until_output(vm["id"], b"spinning\n")
        c.kill_vm(vm["id"])  # SIGKILL
        self.assertEqual(c.wait_vm(vm["id"], timeout=30)["exit_status"], 137)
        for sig, name in (("SIGTERM", "SIGTERM"), ("INT", "SIGINT"), (1, "SIGHUP")):
            vm = self.vm(TRAPSIG, "handle", start=True)
            self.until_output(vm["id"], b"ready\n")
            c.kill_vm(vm["id"], signal=sig)
            done = c.wait_vm(vm["id"], timeout=30)
            self.assertEqual(done["exit_status"], 0, "signal %r" % (sig,))
            self.assertIn(b"caught %s\n" % name.encode(), c.logs(vm["id"]))
        vm = self.vm(LOOP, start=True)
        self.assertApiError(400, "bad_request", c.kill_vm, vm["id"], signal="SIGNOPE")
        c.kill_vm(vm["id"], signal="KILL")
        self.assertEqual(c.wait_vm(vm["id"], timeout=30)["exit_status"], 137)

    def test_pause_resume(self):
        c = self.client
        created = self.vm(LOOP)
        self.assertApiError(409, "conflict", c.pause_vm, created["id"])
        vm = self.vm(LOOP, start=True)
        self.until_output(vm["id"], b"spinning\n")
        self.assertApiError(409, "conflict", c.resume_vm, vm["id"])
        self.assertEqual(c.pause_vm(vm["id"])["state"], "paused")
        self.assertEqual(c.get_vm(vm["id"])["state"], "paused")
        self.assertApiError(409, "conflict", c.pause_vm, vm["id"])
        # Paused, the spinning program uses no CPU time.
        cpu0 = c.get_vm(vm["id"]).get("cpu_seconds")
        time.sleep(0.5)
        cpu1 = c.get_vm(vm["id"]).get("cpu_seconds")
        if cpu0 is not None:
            self.assertLess(cpu1 - cpu0, 0.1, "CPU time while paused")
        self.assertEqual(c.resume_vm(vm["id"])["state"], "running")
        time.sleep(0.5)
        cpu2 = c.get_vm(vm["id"]).get("cpu_seconds")
        if cpu0 is not None:
            self.assertGreater(cpu2 - cpu1, 0.2, "CPU time once resumed")
        self.assertApiError(408, "timeout", c.wait_vm, vm["id"], timeout=0.3)
        c.kill_vm(vm["id"])
        self.assertEqual(c.wait_vm(vm["id"], timeout=30)["exit_status"], 137)

    def test_delete(self):
        c = self.client
        before = len(c.list_vms())
        self.assertEqual(c.run(HELLO)[0], 0)
        self.assertEqual(len(c.list_vms()), before, "run() left its VM behind")
        vm = self.vm(HELLO, start=True)
        c.wait_vm(vm["id"], timeout=30)
        self.assertIsNone(c.delete_vm(vm["id"]))
        self.assertApiError(404, "not_found", c.get_vm, vm["id"])
        self.assertApiError(404, "not_found", c.logs, vm["id"])
        self.assertNotIn(vm["id"], [v["id"] for v in c.list_vms()])
        # A running VM: 409 unless forced.
        vm = self.vm(LOOP, start=True)
        self.until_output(vm["id"], b"spinning\n")
        self.assertApiError(409, "conflict", c.delete_vm, vm["id"])
        self.assertEqual(c.get_vm(vm["id"])["state"], "running")
        c.delete_vm(vm["id"], force=True)
        self.assertApiError(404, "not_found", c.get_vm, vm["id"])
        # A created VM that never ran.
        vm = self.vm(HELLO)
        c.delete_vm(vm["id"])
        self.assertApiError(404, "not_found", c.get_vm, vm["id"])


class Functions(Case):
    """Functions: their lifecycle without VMs; invocations (skipped without KVM)."""

    def setUp(self):
        super().setUp()
        self.functions = []

    def tearDown(self):
        for name in self.functions:
            try:
                self.client.delete_function(name)
            except nanvix.ApiError as e:
                if e.status != 404:
                    raise
        super().tearDown()

    def deploy(self, name, program, *args, **spec):
        """deploy_function, remembered for tearDown."""
        fn = self.client.deploy_function(name, program, args=list(args), **spec)
        self.functions.append(name)
        return fn

    def needs_kvm(self):
        if KVM_PROBLEM:
            self.skipTest(KVM_PROBLEM)

    def test_function_lifecycle(self):
        c = self.client
        fn = self.deploy("sdk-fn", ARGS, "one", env={"NANVIX_A": "alpha"}, memory="32M",
                         timeout=5)
        self.assertEqual(fn["name"], "sdk-fn")
        self.assertEqual(fn["spec"]["program"], ARGS)
        self.assertEqual(fn["spec"]["args"], ["one"])
        self.assertEqual(fn["spec"]["env"], ["NANVIX_A=alpha"])
        self.assertEqual(fn["invocations"], 0)
        self.assertEqual(c.get_function("sdk-fn")["spec"], fn["spec"])
        self.assertIn("sdk-fn", [f["name"] for f in c.list_functions()])
        self.assertEqual(c.function_instances("sdk-fn"), [])
        # A name taken: 409, and nothing changed.
        self.assertApiError(409, "conflict", c.deploy_function, "sdk-fn", HELLO)
        self.assertEqual(c.get_function("sdk-fn")["spec"]["program"], ARGS)
        # An update replaces the whole spec, the name stays.
        up = c.update_function("sdk-fn", HELLO)
        self.assertEqual((up["name"], up["spec"]["program"]), ("sdk-fn", HELLO))
        self.assertNotIn("args", up["spec"])
        self.assertEqual(c.get_function("sdk-fn")["spec"]["program"], HELLO)
        self.assertIsNone(c.delete_function("sdk-fn"))
        self.assertApiError(404, "not_found", c.get_function, "sdk-fn")
        self.assertNotIn("sdk-fn", [f["name"] for f in c.list_functions()])

    def test_function_errors(self):
        c = self.client
        for call, args in ((c.get_function, ()), (c.delete_function, ()),
                           (c.function_instances, ()), (c.invoke, (b"x",)),
                           (c.update_function, (HELLO,))):
            self.assertApiError(404, "not_found", call, "no-such-fn", *args)
        self.assertApiError(400, "bad_request", c.deploy_function, "sdk-bad", HELLO,
                            no_such_field=1)
        self.assertApiError(400, "bad_request", c.deploy_function, "-not a name", HELLO)
        self.assertApiError(400, "bad_request", c.deploy_function, "sdk-bad", HELLO,
                            timeout=99999)
        self.assertApiError(400, "bad_request", c.request, "POST", "/v1/functions",
                            body={"name": "sdk-bad"})  # no program
        self.assertApiError(404, "not_found", c.get_function, "sdk-bad")
        with self.assertRaises(TypeError):  # caught before it is sent
            c.invoke("sdk-bad", data=123)

    def test_invoke(self):
        self.needs_kvm()
        c = self.client
        self.deploy("sdk-echo", CAT)
        data = bytes(range(256)) * 40
        self.assertEqual(c.invoke("sdk-echo", data), (0, data))
        self.assertEqual(c.invoke("sdk-echo", "héllo"), (0, "héllo".encode()))
        self.assertEqual(c.invoke("sdk-echo"), (0, b""))
        self.assertEqual(c.get_function("sdk-echo")["invocations"], 3)
        # What natively exits 7 exits 7 here too; an update changes what runs.
        c.update_function("sdk-echo", EXITCODE, args=["7"])
        self.assertEqual(c.invoke("sdk-echo", b"ignored"), (native(EXITCODE, "7")[0], b""))
        c.update_function("sdk-echo", ARGS, args=["a b"], env=["NANVIX_B=two words"])
        self.assertEqual(c.invoke("sdk-echo"), native(ARGS, "a b", env={"NANVIX_B": "two words"}))
        self.assertEqual(c.get_function("sdk-echo")["invocations"], 5)
        c.delete_function("sdk-echo")
        self.assertApiError(404, "not_found", c.invoke, "sdk-echo", b"x")

    def test_function_no_tmp(self):
        self.needs_kvm()
        fn = self.deploy("sdk-notmp", CAT, tmp=False)
        self.assertIs(fn["spec"]["tmp"], False)
        self.assertEqual(self.client.invoke("sdk-notmp", b"no tmp"), (0, b"no tmp"))

    def test_invoke_timeout(self):
        self.needs_kvm()
        self.deploy("sdk-spin", LOOP, timeout=0.5)
        st, out = self.client.invoke("sdk-spin")
        self.assertEqual(st, 124)
        self.assertIn(b"spinning", out)

    def test_instances(self):
        self.needs_kvm()
        c = self.client
        self.deploy("sdk-nap", SLEEPER, "2")
        result = {}
        t = threading.Thread(target=lambda: result.update(r=c.invoke("sdk-nap")))
        t.start()
        try:
            vms = []
            for _ in range(100):
                vms = c.function_instances("sdk-nap")
                if vms and vms[0]["state"] == "running":
                    break
                time.sleep(0.05)
            self.assertEqual(len(vms), 1, "instances: %s" % vms)
            self.assertEqual(vms[0]["program"], SLEEPER)
            self.assertEqual(c.get_function("sdk-nap")["running"], 1)
        finally:
            t.join(30)
        self.assertEqual(result.get("r"), (0, b"sleeping\nwoke\n"))
        self.assertEqual(c.function_instances("sdk-nap"), [])


class Snapshots(Case):
    """Snapshots of running VMs: the errors without VMs; taken, listed,
    restored and deleted; a function whose invocations restore one
    (skipped without KVM)."""

    def setUp(self):
        super().setUp()
        self.snaps = []

    def tearDown(self):
        super().tearDown()  # the VMs first: a restored one holds its snapshot
        for name in self.snaps:
            try:
                self.client.delete_snapshot(name)
            except nanvix.ApiError as e:
                if e.status != 404:
                    raise

    def needs_kvm(self):
        if KVM_PROBLEM:
            self.skipTest(KVM_PROBLEM)
        if not os.access(TICKER, os.X_OK):
            self.skipTest("%s not built (./z build)" % TICKER)

    def ticker(self, *args, **kw):
        """A ticker that can be snapshotted (no network of the host's, no /tmp), started."""
        vm = self.vm(TICKER, *args, net="none", tmp=False, start=True, **kw)
        self.until_output(vm["id"], b"tick 2 ")
        return vm

    def take(self, id, name, **kw):
        """snapshot, remembered for tearDown."""
        self.snaps.append(name)
        return self.client.snapshot(id, name, **kw)

    def test_snapshot_errors(self):
        c = self.client
        self.assertIsInstance(c.snapshots(), list)
        self.assertApiError(404, "not_found", c.delete_snapshot, "sdk-no-such-snap")
        self.assertApiError(404, "not_found", c.snapshot, "no-such-vm", "sdk-snap")
        self.assertApiError(404, "not_found", c.create_vm, snapshot="sdk-no-such-snap")
        self.assertApiError(400, "bad_request", c.create_vm, HELLO, snapshot="sdk-snap")
        vm = self.vm(HELLO, tmp=False)  # created, never run
        e = self.assertApiError(409, "conflict", c.snapshot, vm["id"], "sdk-snap")
        self.assertIn("running", e.fault_message)
        self.assertApiError(400, "bad_request", c.snapshot, vm["id"], "-not a name")
        self.assertApiError(400, "bad_request", c.snapshot, vm["id"], "sdk-snap", timeout=0)
        self.assertApiError(400, "bad_request", c.create_vm, HELLO, tmp="no")
        with self.assertRaises(TypeError):  # caught before it is sent
            c.delete_snapshot("")

    def test_snapshot_restore(self):
        self.needs_kvm()
        c = self.client
        vm = self.ticker("40", "50")
        snap = self.take(vm["id"], "sdk-warm", timeout=10)
        self.assertEqual((snap["name"], snap["vm"]), ("sdk-warm", vm["id"]))
        self.assertIsInstance(snap["created_at"], str)
        self.assertEqual(c.get_vm(vm["id"])["state"], "running", "the VM goes on")
        listed = {s["name"]: s for s in c.snapshots()}
        self.assertIn("sdk-warm", listed)
        self.assertIn("created_at", listed["sdk-warm"])
        # A name taken: 409, from the same VM or another.
        self.assertApiError(409, "conflict", c.snapshot, vm["id"], "sdk-warm")
        # A copy goes on from the tick it was saved at, its generation 1.
        copy = self.vm(snapshot="sdk-warm", start=True)
        first = self.until_output(copy["id"], b"\n").split(b"\n")[0]
        m = re.fullmatch(rb"tick (\d+) generation (\d+)", first)
        self.assertTrue(m, "the restored VM's first line: %r" % first)
        self.assertGreater(int(m.group(1)), 2, "it starts over: %r" % first)
        self.assertEqual(int(m.group(2)), 1, first)
        self.assertEqual(c.wait_vm(copy["id"], timeout=30)["exit_status"], 0)
        self.assertTrue(c.logs(copy["id"]).endswith(b"tick 40 generation 1\ndone\n"))
        # Held while a VM restored from it runs.
        held = self.vm(snapshot="sdk-warm", start=True)
        self.assertApiError(409, "conflict", c.delete_snapshot, "sdk-warm")
        c.kill_vm(held["id"])
        c.wait_vm(held["id"], timeout=30)
        # run() takes snapshot= instead of a program.
        st, out = c.run(snapshot="sdk-warm")
        self.assertEqual(st, 0)
        self.assertTrue(out.startswith(first + b"\n"), "run(snapshot=): %r" % out[:100])
        self.assertIsNone(c.delete_snapshot("sdk-warm"))
        self.assertNotIn("sdk-warm", [s["name"] for s in c.snapshots()])
        self.assertApiError(404, "not_found", c.create_vm, snapshot="sdk-warm")

    def test_snapshot_refused(self):
        self.needs_kvm()
        c = self.client
        # The default /tmp is state outside the VM's memory: refused, saying what to change.
        vm = self.vm(TICKER, "40", "50", net="none", start=True)
        self.until_output(vm["id"], b"tick 2 ")
        e = self.assertApiError(409, "conflict", c.snapshot, vm["id"], "sdk-refused", timeout=10)
        self.assertIn('"tmp": false', e.fault_message)
        # Paused: resume it first.
        vm = self.ticker("40", "50")
        c.pause_vm(vm["id"])
        e = self.assertApiError(409, "conflict", c.snapshot, vm["id"], "sdk-refused")
        self.assertIn("resume", e.fault_message)
        self.assertNotIn("sdk-refused", [s["name"] for s in c.snapshots()])
        # One that never idles: 408 at the timeout, the snapshot still pending.
        vm = self.vm(LOOP, net="none", tmp=False, start=True)
        self.until_output(vm["id"], b"spinning\n")
        self.snaps.append("sdk-busy")
        self.assertApiError(408, "timeout", c.snapshot, vm["id"], "sdk-busy", timeout=0.5)
        self.assertApiError(409, "conflict", c.snapshot, vm["id"], "sdk-busy2")

    def test_function_from_snapshot(self):
        self.needs_kvm()
        if not os.access(SNAP_CAT, os.X_OK):
            self.skipTest("%s not built (./z build)" % SNAP_CAT)
        c = self.client
        # snap_cat asks for its snapshot (snapshot_out) before it reads stdin.
        self.snaps.append("sdk-catsnap")
        vm = self.vm(SNAP_CAT, net="none", snapshot_out="sdk-catsnap", start=True)
        self.assertEqual(c.wait_vm(vm["id"], timeout=60)["exit_status"], 0)
        self.assertIn("sdk-catsnap", [s["name"] for s in c.snapshots()])
        self.assertApiError(400, "bad_request", c.deploy_function, "sdk-warmbad", SNAP_CAT,
                            snapshot="sdk-catsnap")
        self.assertApiError(400, "bad_request", c.deploy_function, "sdk-warmbad",
                            snapshot="sdk-catsnap", memory="32M")
        self.assertApiError(400, "bad_request", c.deploy_function, "sdk-warmbad")
        try:
            fn = c.deploy_function("sdk-warm", snapshot="sdk-catsnap", timeout=30)
            self.assertEqual(fn["spec"], {"snapshot": "sdk-catsnap", "timeout": 30})
            # Each invocation is a copy restored where the program asked, fed its own input.
            self.assertEqual(c.invoke("sdk-warm", b"hello\n"), (0, b"generation 1\nHELLO\n"))
            self.assertEqual(c.invoke("sdk-warm", "again"), (0, b"generation 1\nAGAIN"))
            self.assertIn('nanvix_function_restores_total{name="sdk-warm"} 2\n', c.metrics())
            # Held while a function names it, also after an update.
            up = c.update_function("sdk-warm", snapshot="sdk-catsnap")
            self.assertEqual(up["spec"], {"snapshot": "sdk-catsnap"})
            e = self.assertApiError(409, "conflict", c.delete_snapshot, "sdk-catsnap")
            self.assertIn("sdk-warm", e.fault_message)
        finally:
            try:
                c.delete_function("sdk-warm")
            except nanvix.ApiError as e:
                if e.status != 404:
                    raise
        self.assertIsNone(c.delete_snapshot("sdk-catsnap"))
        self.assertNotIn("sdk-catsnap", [s["name"] for s in c.snapshots()])


class Keys(Case):
    """A second daemon with --keys, also on TCP: the key sent, scopes."""

    TCP = os.environ.get("NANVIX_TEST_KEYED_TCP", "")
    UNIX = os.environ.get("NANVIX_TEST_KEYED_UNIX", "")
    READ = os.environ.get("NANVIX_TEST_KEY_READ", "")
    ALL = os.environ.get("NANVIX_TEST_KEY_ALL", "")

    def setUp(self):
        if not (self.TCP and self.UNIX and self.READ and self.ALL):
            self.skipTest("no daemon with --keys (tests/api/sdk.sh starts one)")
        self.saved = os.environ.pop("NANVIX_API_KEY", None)
        super().setUp()
        self.client = nanvix.Client(self.TCP, api_key=self.ALL)

    def tearDown(self):
        super().tearDown()
        if self.saved is not None:
            os.environ["NANVIX_API_KEY"] = self.saved

    def test_key_required(self):
        for host in (self.TCP, self.UNIX):
            self.assertApiError(401, "unauthorized", nanvix.Client(host).version)
            self.assertApiError(401, "unauthorized", nanvix.Client(host, api_key="nvx_0").version)
            self.assertEqual(nanvix.Client(host, api_key=self.READ).version()["api"], "v1")

    def test_key_scopes(self):
        ro = nanvix.Client(self.TCP, api_key=self.READ)
        self.assertIsInstance(ro.list_vms(), list)
        self.assertApiError(403, "forbidden", ro.create_vm, HELLO)
        self.assertApiError(403, "forbidden", ro.delete_vm, "no-such-vm")
        vm = self.vm(HELLO)  # the full key may
        self.assertEqual(ro.get_vm(vm["id"])["state"], "created")
        self.assertApiError(403, "forbidden", ro.start_vm, vm["id"])
        self.assertIsInstance(ro.snapshots(), list)
        self.assertApiError(403, "forbidden", ro.snapshot, vm["id"], "sdk-keyed")
        self.assertApiError(403, "forbidden", ro.delete_snapshot, "sdk-keyed")

    def test_key_scopes_functions(self):
        ro = nanvix.Client(self.TCP, api_key=self.READ)
        self.assertIsInstance(ro.list_functions(), list)
        self.assertApiError(403, "forbidden", ro.deploy_function, "sdk-keyed", HELLO)
        self.client.deploy_function("sdk-keyed", HELLO)  # the full key may
        try:
            self.assertEqual(ro.get_function("sdk-keyed")["name"], "sdk-keyed")
            self.assertApiError(403, "forbidden", ro.invoke, "sdk-keyed")
            self.assertApiError(403, "forbidden", ro.delete_function, "sdk-keyed")
        finally:
            self.client.delete_function("sdk-keyed")

    def test_key_from_env(self):
        os.environ["NANVIX_API_KEY"] = self.ALL
        try:
            c = nanvix.Client(self.TCP)
            if KVM_PROBLEM:
                vm = c.create_vm(HELLO)
                c.delete_vm(vm["id"])
            else:
                self.assertEqual(c.run(HELLO), native(HELLO))
        finally:
            del os.environ["NANVIX_API_KEY"]


class Result(unittest.TestResult):
    """ok/FAIL/skip a case, on stdout."""

    def __init__(self):
        super().__init__()
        self.passed = 0

    @staticmethod
    def name(test):
        return test._testMethodName[len("test_"):].replace("_", "-")

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed += 1
        print("ok   %s" % self.name(test), flush=True)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        line = traceback.extract_tb(err[2])[-1].lineno
        msg = str(err[1]).strip().splitlines() or ["failed"]
        print("FAIL %s: line %d: %s" % (self.name(test), line, msg[0][:300]))
        for ln in msg[1:9]:
            print("     | " + ln)
        sys.stdout.flush()

    def addError(self, test, err):
        super().addError(test, err)
        print("FAIL %s: %s: %s" % (self.name(test), err[0].__name__, err[1]), flush=True)
        for line in traceback.format_exception(*err)[-4:]:
            for ln in line.rstrip().splitlines():
                print("     | " + ln)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        print("skip %s: %s" % (self.name(test), reason), flush=True)


def main():
    if not HOST:
        print("sdk: NANVIX_TEST_HOST is not set (tests/api/sdk.sh sets it)", file=sys.stderr)
        return 2
    only = set(sys.argv[1:])  # case names, e.g. "follow-logs"; none: all
    suite = unittest.TestSuite()
    for cls in (Daemon, Vms, Functions, Snapshots, Keys):
        for name in cls.__dict__:  # in the order written
            if name.startswith("test_") and (not only or name[5:].replace("_", "-") in only):
                suite.addTest(cls(name))
    result = Result()
    suite.run(result)
    failed = len(result.failures) + len(result.errors)
    skipped = len(result.skipped)
    counts = os.environ.get("SDK_TEST_COUNTS")
    if counts:
        with open(counts, "w") as f:
            f.write("%d %d %d\n" % (result.passed, failed, skipped))
    else:
        print("sdk: %d passed, %d failed%s" % (result.passed, failed,
                                              ", %d skipped" % skipped if skipped else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
