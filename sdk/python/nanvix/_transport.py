"""Where the daemon listens, and HTTP connections to it (Unix socket or TCP)."""

import http.client
import os
import socket
import urllib.parse


def default_host():
    """The daemon's address when none is given.

    NANVIX_HOST if set, else $XDG_RUNTIME_DIR/nanvix/api.sock, else
    /run/nanvix/api.sock for root, else /tmp/nanvix-UID/api.sock: the
    places nanvix-api itself listens by default.
    """
    host = os.environ.get("NANVIX_HOST")
    if host:
        return host
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        return os.path.join(runtime, "nanvix", "api.sock")
    uid = os.getuid()
    if uid == 0:
        return "/run/nanvix/api.sock"
    return "/tmp/nanvix-%d/api.sock" % uid


class Endpoint:
    """A parsed host: a Unix socket path, or a TCP host and port.

    Accepts ``unix:/path``, ``/path`` and ``http://HOST[:PORT]`` (port 80
    by default); raises ValueError for anything else.
    """

    def __init__(self, host):
        self.path = None
        self.tcp_host = None
        self.tcp_port = None
        if host.startswith("unix:"):
            self.path = host[len("unix:"):]
            if not self.path.startswith("/"):
                raise ValueError("nanvix: unix: needs an absolute socket path, got %r" % host)
        elif host.startswith("/"):
            self.path = host
        elif host.startswith("http://"):
            url = urllib.parse.urlsplit(host)
            if url.path not in ("", "/") or url.query or url.fragment or not url.hostname:
                raise ValueError("nanvix: expected http://HOST:PORT, got %r" % host)
            self.tcp_host = url.hostname
            self.tcp_port = url.port or 80
        else:
            raise ValueError(
                "nanvix: host must be unix:/path, /path or http://127.0.0.1:PORT, got %r" % host
            )

    def __str__(self):
        if self.path is not None:
            return "unix:" + self.path
        host = "[%s]" % self.tcp_host if ":" in self.tcp_host else self.tcp_host
        return "http://%s:%d" % (host, self.tcp_port)

    def connection(self, timeout):
        """A new, not yet connected HTTPConnection (timeout None: no limit)."""
        if self.path is not None:
            return UnixHTTPConnection(self.path, timeout=timeout)
        return http.client.HTTPConnection(self.tcp_host, self.tcp_port, timeout=timeout)


class UnixHTTPConnection(http.client.HTTPConnection):
    """HTTPConnection over an AF_UNIX stream socket (Host: localhost)."""

    def __init__(self, path, timeout=None):
        super().__init__("localhost", timeout=timeout)
        self.socket_path = path

    def connect(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(self.timeout)
            sock.connect(self.socket_path)
        except BaseException:
            sock.close()
            raise
        self.sock = sock
