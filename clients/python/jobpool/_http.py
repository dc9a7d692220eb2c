"""HTTP for the client: one short-lived ``http.client`` connection per request, problem details
turned into :class:`JobpoolError`, retries where a retry is safe.

A connection per request keeps every call thread-safe (AsyncResult readers, the progress printer
and the open-job feeder run on their own threads) at the cost of a TCP handshake, which is small
next to a job.
"""

import http.client
import json
import random
import socket
import time
from urllib.parse import quote, urlencode, urlsplit

from . import __version__
from .errors import JobpoolConnectionError, JobpoolError

#: Errors after which an idempotent request is worth sending again.
CONNECTION_ERRORS = (OSError, http.client.HTTPException)

USER_AGENT = "jobpool-python/" + __version__


class Transport:
    """Speaks to one jobpool base URL, e.g. ``http://host:8080`` or ``https://host/prefix``."""

    def __init__(self, url, api_key=None, timeout=60.0, connect_retries=3, overload_wait=600.0):
        parts = urlsplit(url if "://" in url else "http://" + url)
        if parts.scheme not in ("http", "https"):
            raise ValueError("jobpool URL must be http:// or https://, got %r" % (url,))
        if not parts.hostname:
            raise ValueError("jobpool URL has no host: %r" % (url,))
        self.url = url
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port
        self.prefix = parts.path.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout
        self.connect_retries = connect_retries
        self.overload_wait = overload_wait

    # -- plumbing ---------------------------------------------------------------------------------

    def path(self, *segments, **query):
        path = self.prefix + "/" + "/".join(quote(str(s), safe="") for s in segments)
        query = {k: v for k, v in query.items() if v is not None}
        return path + ("?" + urlencode(query) if query else "")

    def _connection(self, timeout):
        cls = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
        return cls(self.host, self.port, timeout=timeout)

    def _headers(self, accept, extra=None, has_body=False):
        headers = {"Accept": accept, "User-Agent": USER_AGENT}
        if has_body:
            headers["Content-Type"] = "application/json"
        if self.api_key:
            headers["Authorization"] = "Bearer " + self.api_key
        if extra:
            headers.update(extra)
        return headers

    def _send(self, method, path, body, headers, timeout):
        """One exchange; returns the open response (the caller reads and closes it)."""
        conn = self._connection(timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
        except BaseException:
            conn.close()
            raise
        response._jobpool_conn = conn  # closed with the response
        return response

    # -- requests ---------------------------------------------------------------------------------

    def request(self, method, path, payload=None, body=None, headers=None, retry_connection=False,
                retry_overload=False, timeout=None):
        """Sends a JSON request and returns ``(status, headers, json)`` for a 2xx answer.

        ``retry_connection``: send again after a connection failure (only for idempotent requests:
        GET, DELETE, a submission carrying an ``Idempotency-Key``). ``retry_overload``: on 429,
        sleep ``Retry-After`` and send again, for up to ``overload_wait`` seconds in all.
        """
        if payload is not None:
            body = json.dumps(payload, separators=(",", ":"), allow_nan=False).encode("utf-8")
        hdrs = self._headers("application/json, application/problem+json", headers, body is not None)
        attempt = 0
        overload_deadline = time.monotonic() + self.overload_wait
        while True:
            attempt += 1
            try:
                response = self._send(method, path, body, hdrs, timeout or self.timeout)
                try:
                    data = response.read()
                finally:
                    close(response)
            except CONNECTION_ERRORS as e:
                if retry_connection and attempt < self.connect_retries:
                    time.sleep(backoff(attempt))
                    continue
                raise JobpoolConnectionError("%s %s: %s" % (method, path, describe(e)), self.url) from e
            if 200 <= response.status < 300:
                return response.status, response.headers, parse_json(data)
            error = problem(response.status, response.headers, data)
            if response.status == 429 and retry_overload and time.monotonic() < overload_deadline:
                time.sleep(min(max(error.retry_after or 1, 0.05), 30,
                               max(overload_deadline - time.monotonic(), 0.05)))
                continue
            raise error

    def stream(self, path, accept, headers=None, timeout=None):
        """Opens a streaming GET; returns the 200 response, whose body the caller reads line by line."""
        try:
            response = self._send("GET", path, None, self._headers(accept + ", application/problem+json", headers),
                                  timeout or self.timeout)
        except CONNECTION_ERRORS as e:
            raise JobpoolConnectionError("GET %s: %s" % (path, describe(e)), self.url) from e
        if response.status != 200:
            try:
                data = response.read()
            except CONNECTION_ERRORS:
                data = b""
            finally:
                close(response)
            raise problem(response.status, response.headers, data)
        return response


def close(response):
    try:
        response.close()
    finally:
        conn = getattr(response, "_jobpool_conn", None)
        if conn is not None:
            conn.close()


def backoff(attempt):
    return min(0.25 * 2 ** (attempt - 1), 4.0) * (0.5 + random.random() / 2)


def describe(error):
    if isinstance(error, socket.timeout):
        return "timed out"
    return "%s: %s" % (type(error).__name__, error) if str(error) else type(error).__name__


def parse_json(data):
    if not data:
        return None
    return json.loads(data.decode("utf-8"))


def problem(status, headers, data):
    """An error answer as a :class:`JobpoolError`; problem+json fields when the body is one."""
    retry_after = headers.get("Retry-After")
    try:
        retry_after = float(retry_after) if retry_after is not None else None
    except ValueError:
        retry_after = None
    text = data.decode("utf-8", "replace") if data else ""
    doc = None
    if "json" in (headers.get("Content-Type") or ""):
        try:
            doc = json.loads(text)
        except ValueError:
            doc = None
    if not isinstance(doc, dict):
        return JobpoolError(status, detail=text[:500] or http.client.responses.get(status, ""),
                            retry_after=retry_after, body=text)
    if retry_after is None and isinstance(doc.get("retryAfterSeconds"), (int, float)):
        retry_after = float(doc["retryAfterSeconds"])
    return JobpoolError(doc.get("status", status), type=doc.get("type"), title=doc.get("title"),
                        detail=doc.get("detail") or doc.get("title") or doc.get("error"), field=doc.get("field"),
                        retry_after=retry_after, instance=doc.get("instance"), body=doc)
