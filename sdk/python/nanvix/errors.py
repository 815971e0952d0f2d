"""The exceptions the client raises."""

import builtins
import json

# The Error codes of docs/api/openapi.yaml, by HTTP status: what an answer
# whose body is not an Error object is taken to mean.
_CODE_OF_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "timeout",
    409: "conflict",
    413: "payload_too_large",
    429: "rate_limited",
    503: "unavailable",
}


class NanvixError(Exception):
    """Base of every error this package raises."""


class ApiError(NanvixError):
    """The daemon answered with a non-2xx status.

    status is the HTTP status, code the API's stable error code
    (``not_found``, ``conflict``, ...), fault_message the daemon's
    explanation, retry_after the seconds a 429 asks to wait (or None).
    """

    def __init__(self, status, code, fault_message, retry_after=None):
        super().__init__(status, code, fault_message)
        self.status = status
        self.code = code
        self.fault_message = fault_message
        self.retry_after = retry_after

    def __str__(self):
        return "%d %s: %s" % (self.status, self.code, self.fault_message)

    @classmethod
    def from_response(cls, status, reason, body, retry_after=None):
        """An ApiError from an answer's status, reason phrase and raw body.

        Uses the body's code and fault_message when it is an Error object;
        otherwise the code follows from the status and the message is the
        body's text (or the reason phrase when the body is empty).
        """
        code = fault = None
        try:
            obj = json.loads(body)
            if isinstance(obj, dict):
                code = obj.get("code")
                fault = obj.get("fault_message")
        except ValueError:
            pass
        if not isinstance(code, str) or not code:
            code = _CODE_OF_STATUS.get(status, "internal" if status >= 500 else "http_%d" % status)
        if not isinstance(fault, str):
            text = body.decode("utf-8", "replace").strip()
            fault = text[:500] if text else (reason or "HTTP %d" % status)
        return cls(status, code, fault, retry_after)


class ConnectionError(NanvixError, builtins.ConnectionError):
    """The daemon cannot be reached, or the connection broke or timed out.

    Also a builtins.ConnectionError (an OSError), so generic handlers catch it.
    """

