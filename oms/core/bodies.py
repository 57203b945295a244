"""WSGI: every request body is read here, whole, before the application sees it.

Why here and not in Django: Django reads a body only as far as CONTENT_LENGTH says, and a chunked
request (a client streaming its body) has none, so its body read as empty. And reading a body is
where a client can hold a worker: a chunk size of 2^80 followed by three bytes, or a declared
length never sent, kept a sync worker waiting until gunicorn killed it 30 s later (a 500 page);
a 34 MiB chunked body to /healthz was read whole, unauthenticated. So, for a request with a body,
under any server:
- an API request (under /api/, login aside) without a known key is refused 401 before a byte of
  its body is read;
- the body is read under the path's own limit (`body_limit`): a declared length past it is 413
  without reading, a chunked body 413 as soon as it passes it;
- an API body with a Content-Encoding or a charset other than UTF-8 is 415 (unread): a gzipped
  body read as "invalid JSON" and a Latin-1 one as UTF-8;
- a declared body that ends early is 400.
Then the application gets the body with its length, as if it had been sent with Content-Length.
Every refusal carries the API's one error body.

What depends on the server (oms/serving.py has granian's side):
- each wait for body bytes is bounded by OMS_BODY_READ_TIMEOUT_SECONDS (as nginx's
  client_body_timeout bounds the wait between two reads), a body that stops arriving being 408,
  where the server hands us its socket (gunicorn).
- granian hands us no socket and has no body timeout of its own (its issue 728): its
  `wsgi.input.read` waits, without the GIL, until the bytes asked for or the end of the body
  arrive, holding the body's lock; and once the application returns, granian takes that lock
  again, holding the GIL. So a read cannot simply be given up on another thread: the thread that
  answered would wait for it with the GIL held, and no thread of the process would run until the
  client went (tried). A body sent without a key (anyone can send one: the admin's forms, the
  login) is therefore read on a thread of its own (`_TimedReads`), and when a read takes longer
  than OMS_BODY_READ_TIMEOUT_SECONDS the 408 is sent with an error ending its body
  (`_send(..., reset=True)`): granian then resets the connection, which ends the read left
  waiting. And at most OMS_UNKEYED_BODY_READERS threads of a process wait on such bodies, the
  next such request being 503 with Retry-After before a byte of its body is read, so GETs and
  keyed requests keep the process's other threads while clients stall. A keyed body is read as
  it comes, neither capped nor timed: its client is known (its key can be revoked), and the
  create path pays no thread for it. nginx in front (deploy/) reads bodies whole first, bounded
  by its own client_body_timeout: a request from a trusted proxy (OMS_TRUSTED_PROXIES, marked by
  oms/core/proxy.py) is read as a keyed one, so a burst of logins behind nginx never meets the
  cap nor costs a thread each.
- a malformed chunked framing: gunicorn raises its ParseException (a chunk size that is not hex,
  a missing CRLF, a size line past 8 KiB), answered 400 at once here, and so is a chunk size
  larger than any body a path takes (`bound_chunk_sizes`, installed by oms/gunicorn_conf.py):
  gunicorn takes any hex number, so a 2^80-byte chunk would otherwise be waited for until the
  read timeout. granian refuses sizes past 2^64 - 1 and ends the body where the framing breaks,
  without telling the app: the bytes before it go on, and the app answers an empty or cut JSON
  document 400 (invalid_json).
"""

from __future__ import annotations

import io
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future

from django.conf import settings
from django.db import close_old_connections
from django.http import HttpResponse
from gunicorn.http import message as gunicorn_message
from gunicorn.http.body import ChunkedReader
from gunicorn.http.errors import InvalidChunkSize, ParseException

from oms.core.added_headers import AddedHeaders
from oms.core.errors import DomainError, ErrorCode, Problem
from oms.core.http import API_PREFIX, AUTH_CHALLENGE, error_response, failure_response
from oms.core.proxy import FROM_PROXY

log = logging.getLogger(__name__)

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]
Authenticate = Callable[[str], object]

# The environ key of the principal this layer authenticated (a lane reads it instead of looking
# the key up twice; Django's views authenticate for themselves).
PRINCIPAL = "oms.principal"
# API paths that take a body without a key (their route says auth=None; a test checks the list
# against the OpenAPI document).
OPEN_API_PATHS = frozenset({"/api/v1/auth/login/"})
# Bulk routes take up to OMS_MAX_BULK_BODY_BYTES, every other path DATA_UPLOAD_MAX_MEMORY_SIZE (a
# test posts a body just past the small limit to every route and checks the two agree).
_BULK_PATH = re.compile(r"/api/v1/.+/(bulk|bulk_upsert)/")


def body_limit(path: str) -> int:
    """The largest body the route at `path` reads."""
    if _BULK_PATH.fullmatch(path):
        return settings.OMS_MAX_BULK_BODY_BYTES
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def largest_body_limit() -> int:
    return max(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0, settings.OMS_MAX_BULK_BODY_BYTES)


class _BoundedChunkedReader(ChunkedReader):
    """gunicorn's chunked reader, refusing a chunk larger than any body we take as soon as its
    size line is read (the body layer answers its InvalidChunkSize 400)."""

    def parse_chunk_size(self, unreader, data=None):
        size, rest = super().parse_chunk_size(unreader, data)
        if size > largest_body_limit():
            raise InvalidChunkSize(b"larger than any body this server takes")
        return size, rest


def bound_chunk_sizes() -> None:
    """Make gunicorn's request parser read chunked bodies with `_BoundedChunkedReader`.

    gunicorn offers no setting for it: its Message builds `ChunkedReader` by the name its module
    imported, so that name is replaced (a test checks gunicorn still builds readers that way)."""
    gunicorn_message.ChunkedReader = _BoundedChunkedReader


class _Refused(Exception):
    def __init__(self, response: HttpResponse, *, reset: bool = False):
        self.response = response
        # A read of the body was left waiting (`_TimedReads`): only the connection's reset ends it.
        self.reset = reset


class BodyStoppedArriving(Exception):
    """Raised by a 408's body, once it is sent, to make granian reset the connection (it logs it)."""


class _TimedReads:
    """granian's wsgi.input, each read given up (TimeoutError) after `seconds`. granian's reads
    cannot be interrupted, so each runs on a thread of its own, left waiting when it takes too
    long; the answer must then reset the connection, which ends that read."""

    def __init__(self, stream, seconds: float):
        self.stream = stream
        self.seconds = seconds

    def read(self, size: int) -> bytes:
        done: Future[bytes] = Future()

        def run() -> None:
            try:
                done.set_result(self.stream.read(size))
            except BaseException as error:  # the request's own failure, raised in its thread
                done.set_exception(error)

        threading.Thread(target=run, name="oms-body-read", daemon=True).start()
        return done.result(timeout=self.seconds)


class RequestBodies:
    """In front of the application `app`; `authenticate(header)` raises a DomainError (401) for a
    missing or unknown key."""

    def __init__(self, app: WSGIApp, *, authenticate: Authenticate):
        self.app = app
        self.authenticate = authenticate
        # Its refusals carry what the middleware adds to Django's answers (nosniff, HSTS...).
        self.added_headers = AddedHeaders()
        # One per process, as the app is: the threads that may wait on a body sent without a key
        # where no timeout can end the wait (granian).
        self.unkeyed_readers = threading.BoundedSemaphore(settings.OMS_UNKEYED_BODY_READERS)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        length = environ.get("CONTENT_LENGTH") or ""
        chunked = not length and "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if not chunked and (length == "0" or not length.isdigit()):
            return self.app(environ, start_response)  # no body (or a length Django refuses)
        try:
            self._check(environ)
            declared = None if chunked else int(length)
            # keyed, timed by gunicorn, or already read whole by our nginx
            if PRINCIPAL in environ or "gunicorn.socket" in environ or FROM_PROXY in environ:
                body = self._read(environ, declared)
            else:
                body = self._read_unkeyed(environ, declared)
        except _Refused as refused:
            added = self.added_headers(environ) or []
            return _send(refused.response, start_response, added, reset=refused.reset)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return self.app(environ, start_response)

    def _check(self, environ: dict) -> None:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(API_PREFIX):
            return
        if path not in OPEN_API_PATHS:
            self._authenticate(environ)
        problems = _unsupported(environ)
        if problems:
            response = error_response(415, problems)
            response["Accept-Encoding"] = "identity"  # RFC 7694: what a request may be encoded with
            raise _Refused(response)

    def _authenticate(self, environ: dict) -> None:
        try:
            # Kept for the lanes behind, which would otherwise look the key up again.
            environ[PRINCIPAL] = self.authenticate(environ.get("HTTP_AUTHORIZATION") or "")
        except DomainError as error:
            response = error_response(401, error.problems, error.detail)
            response["WWW-Authenticate"] = AUTH_CHALLENGE
            raise _Refused(response) from None
        except Exception as error:
            # The key lookup needs the database: answer as Django answers a failure, once, and
            # drop the broken connection (no request_finished signal will).
            log.exception("Internal Server Error: %s", environ.get("PATH_INFO"))
            close_old_connections()
            raise _Refused(failure_response(error)) from None

    def _read_unkeyed(self, environ: dict, declared: int | None) -> bytes:
        """A body anyone may send, where the server hands us no socket to time out (granian): read
        by one of at most `unkeyed_readers` threads (503 when none is left), each read timed."""
        if not self.unkeyed_readers.acquire(blocking=False):
            raise _Refused(_busy())
        try:
            return self._read(environ, declared, timed=True)
        finally:
            self.unkeyed_readers.release()

    def _read(self, environ: dict, declared: int | None, *, timed: bool = False) -> bytes:
        limit = body_limit(environ.get("PATH_INFO", ""))
        if declared is not None and declared > limit:
            raise _Refused(_too_large(limit))
        socket = environ.get("gunicorn.socket")  # granian has none: its reads wait without a bound
        previous = socket.gettimeout() if socket is not None else None
        stream = environ["wsgi.input"]
        if socket is not None:
            socket.settimeout(settings.OMS_BODY_READ_TIMEOUT_SECONDS)
        elif timed:
            stream = _TimedReads(stream, settings.OMS_BODY_READ_TIMEOUT_SECONDS)
        try:
            body = stream.read(limit + 1 if declared is None else declared)
            if declared is None and len(body) > limit:
                _drain(stream)
        except TimeoutError:
            stopped = _refusal(408, ErrorCode.TIMEOUT, "The body stopped arriving.")
            raise _Refused(stopped, reset=timed) from None
        except ParseException as error:
            message = f"The chunked body is malformed ({type(error).__name__})."
            raise _Refused(_refusal(400, ErrorCode.INVALID, message)) from None
        except OSError:  # the client went away (gunicorn's NoMoreData is one)
            raise _Refused(_refusal(400, ErrorCode.INVALID, "The body ended early.")) from None
        finally:
            if socket is not None:
                socket.settimeout(previous)
        if len(body) > limit:
            raise _Refused(_too_large(limit))
        if declared is not None and len(body) < declared:
            raise _Refused(_refusal(400, ErrorCode.INVALID, "The body ended early."))
        return body


# A chunked body refused for its size is read on, discarded, up to this much more: a client still
# sending when the 413 was decided (curl, http.client: they read no answer before their body is
# sent) then gets it, where closing on its unread body reset the connection under it (a broken
# pipe, no answer). A body larger still is cut off: the connection is reset, as before.
_DRAIN_BYTES = 1 << 20


def _drain(stream) -> None:
    left = _DRAIN_BYTES
    while left > 0 and (data := stream.read(min(left, 65536))):
        left -= len(data)


def _unsupported(environ: dict) -> list[Problem]:
    """An API body is JSON in UTF-8, sent as it is: a Content-Encoding (gzip...) or another
    charset was ignored, so a gzipped body read as "invalid JSON" and a Latin-1 one as UTF-8."""
    if "HTTP_CONTENT_ENCODING" not in environ and ";" not in environ.get("CONTENT_TYPE", ""):
        return []  # the usual request: nothing to look at
    problems = []
    encoding = environ.get("HTTP_CONTENT_ENCODING", "").strip().lower()
    if encoding not in ("", "identity"):
        message = f'Send the body without a Content-Encoding, not "{encoding}".'
        problems.append(Problem("Content-Encoding", ErrorCode.UNSUPPORTED_MEDIA_TYPE, message))
    _, _, parameters = environ.get("CONTENT_TYPE", "").partition(";")
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        charset = value.strip().strip('"').lower()
        if name.strip().lower() == "charset" and charset not in ("utf-8", "utf8"):
            message = f'Send the body in UTF-8, not "{charset}".'
            problems.append(Problem("Content-Type", ErrorCode.UNSUPPORTED_MEDIA_TYPE, message))
    return problems


def _refusal(status: int, code: ErrorCode, message: str) -> HttpResponse:
    return error_response(status, [Problem("", code, message)])


def _busy() -> HttpResponse:
    message = "Too many requests without a key are sending their bodies; retry in a moment."
    response = _refusal(503, ErrorCode.UNAVAILABLE, message)
    response["Retry-After"] = "1"
    return response


def _too_large(limit: int) -> HttpResponse:
    return _refusal(413, ErrorCode.TOO_LARGE, f"The request body is larger than {limit} bytes.")


# A 408 whose connection is reset: granian drops what it has not yet written when the error comes,
# so the error waits this long after the answer (written within microseconds on an idle loop).
_RESET_AFTER_SECONDS = 0.1


def _send(
    response: HttpResponse, start_response: Callable, added: list[tuple[str, str]], *, reset: bool = False
) -> Iterable[bytes]:
    content = response.content
    own = {name.lower() for name in response.headers}
    extra = [(name, value) for name, value in added if name.lower() not in own]
    status, headers = f"{response.status_code} {response.reason_phrase}", [*response.items(), *extra]
    if reset:
        # Without a length granian streams the answer, so the error ending it reaches the
        # connection (after a complete length it would wait for the unread body instead).
        start_response(status, headers)
        return _then_reset(content)
    start_response(status, [*headers, ("Content-Length", str(len(content)))])
    return [content]


def _then_reset(content: bytes) -> Iterator[bytes]:
    yield content
    time.sleep(_RESET_AFTER_SECONDS)
    raise BodyStoppedArriving("the request body stopped arriving: the connection is reset after its 408")
