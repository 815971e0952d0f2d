"""Client: one method a route of the control API (docs/api/openapi.yaml).

Each call opens its own connection and closes it once the answer is read
(a log stream holds its connection until it ends or is closed), so a
Client keeps no socket between calls and may be shared between threads.
VMs are the API's Vm objects as plain dicts, e.g. ``vm["id"]``,
``vm["state"]``, ``vm["exit_status"]``; functions its Function objects,
e.g. ``fn["spec"]["program"]`` (or ``fn["spec"]["snapshot"]``),
``fn["invocations"]``; snapshots its
Snapshot objects, ``snap["name"]``, ``snap["created_at"]``.
"""

import http.client
import json
import os
import socket
import urllib.parse

from . import __version__
from ._transport import Endpoint, default_host
from .errors import ApiError, ConnectionError, NanvixError

DEFAULT_TIMEOUT = 30.0

# What a wait answers after when no timeout is given (the API's default).
_SERVER_WAIT_DEFAULT = 60.0

# How many bytes a log stream asks for at a time.
_CHUNK = 64 * 1024

# The longest a function's invocation may run (FunctionSpec's timeout at most).
_FUNCTION_TIMEOUT_MAX = 3600.0

# How long a snapshot waits for the VM to idle when no timeout is given (the API's default).
_SERVER_SNAPSHOT_DEFAULT = 30.0


class Client:
    """A client of one nanvix-api daemon.

    host: ``unix:/path``, ``/path`` or ``http://127.0.0.1:PORT``; default
    NANVIX_HOST, else the daemon's default socket (see default_host()).
    api_key: sent as ``Authorization: Bearer KEY``; default NANVIX_API_KEY.
    timeout: seconds to connect and for each answer (a wait gets its own
    time on top); None waits for ever.
    """

    def __init__(self, host=None, api_key=None, timeout=DEFAULT_TIMEOUT):
        self.endpoint = Endpoint(host or default_host())
        self.api_key = api_key if api_key is not None else os.environ.get("NANVIX_API_KEY") or None
        self.timeout = timeout

    def __repr__(self):
        return "nanvix.Client(%r)" % str(self.endpoint)

    # -- The daemon -------------------------------------------------------

    def version(self):
        """The daemon's version: {"version", "api", "nanvixd"}."""
        return self.request("GET", "/v1/version")

    def health(self):
        """Whether VMs can run here: {"status": "ok"|"unhealthy", "checks": {...}}.

        An unhealthy daemon answers 503 with the same object: returned, not raised.
        """
        status, headers, body = self._exchange("GET", "/v1/health")
        obj = _json_or_none(body)
        if status == 503 and isinstance(obj, dict) and "status" in obj:
            return obj
        return self._decode(status, headers, body)

    def metrics(self):
        """The daemon's metrics, Prometheus text format, as a str."""
        return self.request("GET", "/v1/metrics", raw=True).decode("utf-8", "replace")

    # -- VMs ----------------------------------------------------------------

    def list_vms(self, state=None):
        """Every VM the daemon holds, oldest first (only those in state, if given)."""
        query = {"state": state} if state is not None else None
        return self.request("GET", "/v1/vms", query=query)["vms"]

    def create_vm(self, program=None, args=(), env=None, memory=None, name=None, start=False,
                  **more):
        """Create a VM (started at once when start is true); returns the Vm.

        args: the program's arguments (argv[1:]), a list of str.
        env: a dict or a list of "KEY=VALUE" strings.
        memory: guest RAM as nanvixd -m takes it ("64M", "1G").
        more: any other VmCreate field (timeout, disk, volumes, net, ...),
        sent as given; fields left None are not sent.  Among them
        tmp=False (no /tmp of nanvixd's own: with net="guest" or "none"
        and no volumes, a VM that snapshot() can save), snapshot=NAME
        (a VM restored from that snapshot; no program then) and
        snapshot_out=NAME (the VM saves itself as NAME when its program
        asks, through /dev/nanvix-snapshot, and exits 0).
        """
        body = _spec(program, args, env, memory, name=name, start=True if start else None,
                     **more)
        return self.request("POST", "/v1/vms", body=body)

    def get_vm(self, id):
        """The VM with this id or name."""
        return self.request("GET", _vm_path(id))

    def start_vm(self, id):
        """Start a created VM; returns it (409 conflict in any other state)."""
        return self.request("POST", _vm_path(id, "start"))

    def wait_vm(self, id, timeout=None):
        """The VM once it has exited.

        timeout: seconds the daemon waits at most (its default: 60); past it
        ApiError 408 "timeout" is raised.
        """
        query = {"timeout": timeout} if timeout is not None else None
        limit = None
        if self.timeout is not None:
            limit = self.timeout + (timeout if timeout is not None else _SERVER_WAIT_DEFAULT)
        return self.request("GET", _vm_path(id, "wait"), query=query, timeout=limit)

    def stop_vm(self, id, grace_seconds=None):
        """SIGTERM to the program, a kill after grace_seconds (the daemon's
        default: 10); returns the Vm at once, before it has exited."""
        body = {"grace_seconds": grace_seconds} if grace_seconds is not None else None
        return self.request("POST", _vm_path(id, "stop"), body=body)

    def kill_vm(self, id, signal=None):
        """Send a signal: a name ("SIGTERM", "TERM") or a number; the
        daemon's default SIGKILL ends the VM at once.  Returns the Vm."""
        if signal is not None and not isinstance(signal, str):
            signal = int(signal)  # also a signal.Signals
        body = {"signal": signal} if signal is not None else None
        return self.request("POST", _vm_path(id, "kill"), body=body)

    def pause_vm(self, id):
        """Freeze a running VM; returns it (409 conflict unless running)."""
        return self.request("POST", _vm_path(id, "pause"))

    def resume_vm(self, id):
        """Let a paused VM run again; returns it (409 conflict unless paused)."""
        return self.request("POST", _vm_path(id, "resume"))

    def delete_vm(self, id, force=False):
        """Forget a VM and its log.  A running VM is a 409 conflict unless
        force, which kills it first."""
        query = {"force": True} if force else None
        self.request("DELETE", _vm_path(id), query=query)

    def logs(self, id, since=0):
        """The VM's console output so far, from byte since on, as bytes."""
        query = {"since": since} if since else None
        return self.request("GET", _vm_path(id, "logs"), query=query, raw=True)

    def follow_logs(self, id, since=0, timeout=None):
        """The console output as it comes: a LogStream of bytes chunks that
        ends once the VM has exited and everything was sent.

        timeout: seconds to wait for the next chunk (None: for ever).
        Errors (such as an unknown VM) are raised here, not while iterating.
        """
        query = {"follow": True}
        if since:
            query["since"] = since
        conn, resp = self._open("GET", _vm_path(id, "logs"), query, None, self.timeout)
        if not 200 <= resp.status < 300:
            try:
                raise self._error(resp.status, resp.reason, resp.getheader("Retry-After"),
                                  self._read(conn, resp))
            finally:
                conn.close()
        if conn.sock is not None:
            conn.sock.settimeout(timeout)
        return LogStream(conn, resp, str(self.endpoint), timeout)

    def run(self, program=None, args=(), **kw):
        """Run a program to its end: (exit_status, console output bytes).

        Creates the VM started (kw: any create_vm argument, e.g. tmp=False,
        or snapshot=NAME instead of program), follows its log, waits and
        deletes it, also when interrupted.
        """
        vm = self.create_vm(program, args=args, start=True, **kw)
        try:
            out = bytearray()
            with self.follow_logs(vm["id"]) as stream:
                for chunk in stream:
                    out += chunk
            done = self.wait_vm(vm["id"])
            return done.get("exit_status"), bytes(out)
        finally:
            try:
                self.delete_vm(vm["id"], force=True)
            except ApiError as e:
                if e.code != "not_found":  # auto_remove may have been first
                    raise

    # -- Snapshots ------------------------------------------------------------

    def snapshot(self, id, name, timeout=None):
        """Save the running VM as the snapshot name when it next idles (the
        VM goes on); returns the Snapshot, {"name", "created_at", "vm"},
        once it is saved.  create_vm(snapshot=name) restores a copy.

        timeout: seconds the daemon waits for the VM to idle (its default:
        30, at most 3600); past it ApiError 408 "timeout" is raised, and the
        snapshot stays pending (it appears if the VM idles later).  ApiError
        409 "conflict": the VM is not running (resume a paused one first),
        keeps state outside its memory (create it with net="guest" or
        "none", tmp=False and no volumes), the name is taken, or a snapshot
        of the VM is still pending.
        """
        body = {"name": name}
        if timeout is not None:
            body["timeout"] = timeout
        limit = None
        if self.timeout is not None:
            limit = self.timeout + (timeout if timeout is not None else _SERVER_SNAPSHOT_DEFAULT)
        return self.request("POST", _vm_path(id, "snapshot"), body=body, timeout=limit)

    def snapshots(self):
        """The snapshots the daemon holds: [{"name", "created_at"}, ...]."""
        return self.request("GET", "/v1/snapshots")["snapshots"]

    def delete_snapshot(self, name):
        """Delete a snapshot (409 conflict while a VM restored from it has
        not exited, 404 not_found for none)."""
        self.request("DELETE", _snapshot_path(name))

    # -- Functions ------------------------------------------------------------

    def deploy_function(self, name, program=None, args=(), env=None, memory=None, *,
                        snapshot=None, tmp=None, **spec):
        """Register a function: what a new VM runs at each invocation.
        Returns the Function (409 conflict if the name is taken).

        program, or snapshot=NAME instead: each invocation is then a VM
        restored from that snapshot (a warm start), fed its input as well;
        the snapshot cannot be deleted while a function names it.  Giving
        both, or memory with a snapshot, is 400 bad_request.
        args, env, memory: as create_vm takes them.  tmp=False: no /tmp of
        nanvixd's own (with a program: a snapshot fixes its file system).
        spec: any other FunctionSpec field (timeout, disk, workdir,
        volumes, net, limits, in_vm), sent as given; fields left None are
        not sent.
        """
        body = _spec(program, args, env, memory, name=name, snapshot=snapshot, tmp=tmp, **spec)
        return self.request("POST", "/v1/functions", body=body)

    def update_function(self, name, program=None, args=(), env=None, memory=None, *,
                        snapshot=None, tmp=None, **spec):
        """Replace a function's spec (arguments as deploy_function's, a
        program or a snapshot); returns the Function.  Invocations already
        running keep the old one."""
        body = _spec(program, args, env, memory, snapshot=snapshot, tmp=tmp, **spec)
        return self.request("PUT", _function_path(name), body=body)

    def list_functions(self):
        """The registered functions, oldest first."""
        return self.request("GET", "/v1/functions")["functions"]

    def get_function(self, name):
        """The function with this name."""
        return self.request("GET", _function_path(name))

    def delete_function(self, name):
        """Forget a function (its running invocations go on to their end)."""
        self.request("DELETE", _function_path(name))

    def function_instances(self, name):
        """The VMs running invocations of the function now (Vm dicts)."""
        return self.request("GET", _function_path(name, "instances"))["vms"]

    def invoke(self, name, data=b"", timeout=None):
        """Run the function once in a new VM, data its standard input:
        (exit_status, its standard output as bytes).

        data: bytes (or a str, sent as UTF-8).  The status is the
        program's, 128+N for signal N, 124 when the function's timeout
        killed it.  timeout: seconds to wait for the answer; default the
        client's timeout plus 3600, the longest a function may run.
        Raises ApiError for an error status (404 not_found: no such function).
        """
        if isinstance(data, str):
            data = data.encode("utf-8")
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError("nanvix: data must be bytes or str, not %s" % type(data).__name__)
        if timeout is None and self.timeout is not None:
            timeout = self.timeout + _FUNCTION_TIMEOUT_MAX
        status, headers, out = self._exchange("POST", _function_path(name, "invoke"),
                                              bytes(data), timeout=timeout)
        self._decode(status, headers, out, raw=True)  # raises for an error status
        try:
            exit_status = int(headers.get("X-Nanvix-Exit-Status"))
        except (TypeError, ValueError):
            raise NanvixError("nanvix: the daemon's answer to invoke %r lacks "
                              "X-Nanvix-Exit-Status" % name) from None
        return exit_status, out

    # -- Any route ----------------------------------------------------------

    def request(self, method, path, body=None, query=None, raw=False, timeout=None):
        """One request: the decoded JSON answer (None when empty), or its
        raw bytes with raw.  Raises ApiError for a non-2xx answer.

        path: the route, e.g. "/v1/vms"; body: a JSON-able object (sent
        as JSON), bytes (sent as application/octet-stream) or None;
        query: a dict (True/False sent as true/false);
        timeout: seconds for this answer instead of the client's.
        """
        status, headers, data = self._exchange(method, path, body, query, timeout)
        return self._decode(status, headers, data, raw)

    # -- Internals ------------------------------------------------------------

    def _exchange(self, method, path, body=None, query=None, timeout=None):
        """Send a request, read the whole answer: (status, headers, body bytes)."""
        conn, resp = self._open(method, path, query, body,
                                timeout if timeout is not None else self.timeout)
        try:
            return resp.status, resp.headers, self._read(conn, resp)
        finally:
            conn.close()

    def _open(self, method, path, query, body, timeout):
        """Connect, send, read the status and headers: (conn, resp)."""
        if query:
            path += "?" + urllib.parse.urlencode({k: _query_value(v) for k, v in query.items()})
        headers = {"Accept": "application/json", "User-Agent": "nanvix-python/" + __version__}
        if self.api_key:
            headers["Authorization"] = "Bearer " + self.api_key
        data = None
        if isinstance(body, bytes):
            data = body
            headers["Content-Type"] = "application/octet-stream"
        elif body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        conn = self.endpoint.connection(timeout)
        try:
            conn.connect()
        except OSError as e:
            conn.close()
            raise ConnectionError(
                "nanvix: cannot reach nanvix-api at %s: %s (is the daemon running? "
                "host= or NANVIX_HOST says where it listens)" % (self.endpoint, _why(e))
            ) from e
        try:
            conn.request(method, path, body=data, headers=headers)
            return conn, conn.getresponse()
        except (OSError, http.client.HTTPException) as e:
            conn.close()
            raise self._broken(e, timeout) from e

    def _read(self, conn, resp):
        try:
            return resp.read()
        except (OSError, http.client.HTTPException) as e:
            raise self._broken(e, conn.timeout) from e

    def _broken(self, e, timeout):
        if isinstance(e, socket.timeout):
            return ConnectionError("nanvix: no answer from nanvix-api at %s within %s s"
                                   % (self.endpoint, timeout))
        return ConnectionError("nanvix: connection to nanvix-api at %s failed: %s"
                               % (self.endpoint, _why(e)))

    def _decode(self, status, headers, body, raw=False):
        if not 200 <= status < 300:
            raise self._error(status, None, headers.get("Retry-After"), body)
        if raw:
            return body
        if not body:
            return None
        try:
            return json.loads(body)
        except ValueError as e:
            raise NanvixError("nanvix: the daemon's answer is not JSON: %r" % body[:200]) from e

    @staticmethod
    def _error(status, reason, retry_after, body):
        try:
            retry = float(retry_after) if retry_after is not None else None
        except ValueError:
            retry = None
        return ApiError.from_response(status, reason or http.client.responses.get(status),
                                      body, retry)


class LogStream:
    """An iterator of a VM's console output chunks (bytes), as they arrive.

    Ends once the VM has exited and its log was sent.  Holds a connection:
    close() (or a with block, or the end of the stream) releases it.
    Raises nanvix.ConnectionError if the connection breaks or a chunk
    does not come within the stream's timeout.
    """

    def __init__(self, conn, resp, where, timeout):
        self._conn = conn
        self._resp = resp
        self._where = where
        self._timeout = timeout

    def __iter__(self):
        return self

    def __next__(self):
        if self._resp is None:
            raise StopIteration
        try:
            chunk = self._resp.read1(_CHUNK)
        except (OSError, http.client.HTTPException) as e:
            self.close()
            if isinstance(e, socket.timeout):
                raise ConnectionError("nanvix: log stream from %s: no data within %s s"
                                      % (self._where, self._timeout)) from e
            raise ConnectionError("nanvix: log stream from %s broke: %s"
                                  % (self._where, _why(e))) from e
        if not chunk:
            self.close()
            raise StopIteration
        return chunk

    def close(self):
        """Stop following and release the connection."""
        if self._resp is not None:
            self._resp.close()
            self._conn.close()
            self._resp = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()


def _spec(program, args, env, memory, **more):
    """A VmCreate or FunctionSpec body: fields left None are not sent."""
    if isinstance(args, (str, bytes)):
        raise TypeError("nanvix: args must be a list of strings, not a single string")
    body = {"program": program, "memory": memory}
    if args:
        body["args"] = list(args)
    if env is not None:
        if isinstance(env, dict):
            body["env"] = ["%s=%s" % kv for kv in env.items()]
        elif isinstance(env, (str, bytes)):
            raise TypeError("nanvix: env must be a dict or a list of KEY=VALUE strings")
        else:
            body["env"] = list(env)
    body.update(more)
    return {k: v for k, v in body.items() if v is not None}


def _vm_path(id, action=None):
    if not isinstance(id, str) or not id:
        raise TypeError("nanvix: a VM id must be a non-empty str, got %r" % (id,))
    path = "/v1/vms/" + urllib.parse.quote(id, safe="")
    return path + "/" + action if action else path


def _function_path(name, action=None):
    if not isinstance(name, str) or not name:
        raise TypeError("nanvix: a function's name must be a non-empty str, got %r" % (name,))
    path = "/v1/functions/" + urllib.parse.quote(name, safe="")
    return path + "/" + action if action else path


def _snapshot_path(name):
    if not isinstance(name, str) or not name:
        raise TypeError("nanvix: a snapshot's name must be a non-empty str, got %r" % (name,))
    return "/v1/snapshots/" + urllib.parse.quote(name, safe="")


def _query_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _json_or_none(body):
    try:
        return json.loads(body)
    except ValueError:
        return None


def _why(e):
    """An OSError's text without the errno prefix ("No such file or directory")."""
    if isinstance(e, OSError) and e.strerror:
        return e.strerror
    return str(e) or type(e).__name__
