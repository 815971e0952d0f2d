"""Nanvix: a client of nanvix-api, the daemon that runs programs in micro-VMs.

    import nanvix
    client = nanvix.Client()                # NANVIX_HOST or the default socket
    status, output = client.run("/srv/bin/hello.elf")

Client has one method a route of the control API (docs/api/openapi.yaml
in the Nanvix-C tree); VMs are the API's Vm objects as plain dicts.
Errors: ApiError for the daemon's non-2xx answers, ConnectionError when
it cannot be reached, both NanvixError.
"""

__version__ = "0.1.0"

from .client import Client, LogStream  # noqa: E402
from ._transport import default_host  # noqa: E402
from .errors import ApiError, ConnectionError, NanvixError  # noqa: E402

__all__ = ["Client", "LogStream", "ApiError", "ConnectionError", "NanvixError", "default_host"]
