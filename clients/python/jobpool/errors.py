"""Exceptions of the jobpool client.

Three kinds of failure, kept apart because a caller handles them differently:

* :class:`JobpoolError` - the service refused a request (an RFC 9457 problem document: ``status``,
  ``type``, ``title``, ``detail``) or could not be reached (:class:`JobpoolConnectionError`).
* :class:`JobError` - a job ran and did not succeed: an item failed it (``onError: "fail"``, the
  remote ``index``, ``type`` and ``message`` are on the exception, as ``Pool.map`` re-raises the
  worker's exception), or it was cancelled or timed out (``state`` tells).
* :class:`ItemError` - one failed item of an ``on_error="continue"`` job. It is *returned* in place
  of the item's value, not raised; it is an ``Exception`` so that ``isinstance(r, Exception)`` picks
  it out and it can be raised by the caller if wanted.
"""

import multiprocessing

#: ``AsyncResult.get(timeout)`` and ``IMapIterator.next(timeout)`` raise the very class
#: ``multiprocessing.Pool`` raises, so ``except multiprocessing.TimeoutError`` keeps working.
TimeoutError = multiprocessing.TimeoutError

PROBLEM_PREFIX = "urn:jobpool:problem:"


class JobpoolError(Exception):
    """The service answered with an error (``application/problem+json``), or could not be reached."""

    def __init__(self, status, type=None, title=None, detail=None, field=None, retry_after=None,
                 instance=None, body=None):
        self.status = status
        self.type = type
        self.title = title
        self.detail = detail
        self.field = field
        self.retry_after = retry_after
        self.instance = instance
        self.body = body
        super().__init__(self._describe())

    @property
    def slug(self):
        """The short problem name, e.g. ``"job-not-found"`` for ``urn:jobpool:problem:job-not-found``."""
        if self.type and self.type.startswith(PROBLEM_PREFIX):
            return self.type[len(PROBLEM_PREFIX):]
        return self.type

    def _describe(self):
        head = "HTTP %s" % self.status if self.status is not None else "no answer"
        parts = [head]
        if self.slug:
            parts.append(self.slug)
        text = ", ".join(parts)
        if self.detail:
            text += ": " + self.detail
        if self.field:
            text += " (field %s)" % self.field
        return text


class JobpoolConnectionError(JobpoolError):
    """The service could not be reached, or the connection broke and retrying did not help."""

    def __init__(self, detail, url=None):
        self.url = url
        super().__init__(None, type="connection", detail="%s: %s" % (url, detail) if url else detail)


class JobError(Exception):
    """A job ended without success.

    ``state`` is ``FAILED``, ``CANCELLED`` or ``TIMED_OUT``; ``index``, ``type`` and ``message`` are
    the remote error (``index`` is the input index of the item that failed the job, or ``None`` when
    no item did, e.g. a job deadline or a cancel).
    """

    def __init__(self, job_id, state, type=None, message=None, index=None):
        self.job_id = job_id
        self.state = state
        self.type = type
        self.message = message
        self.index = index
        if index is not None:
            text = "job %s %s: item %d failed: %s: %s" % (job_id, state, index, type, message)
        elif type:
            text = "job %s %s: %s: %s" % (job_id, state, type, message)
        else:
            text = "job %s ended %s" % (job_id, state)
        super().__init__(text)


class ItemError(Exception):
    """One failed item of an ``on_error="continue"`` job, in place of its value."""

    def __init__(self, index, type, message):
        self.index = index
        self.type = type
        self.message = message
        super().__init__("item %d: %s: %s" % (index, type, message))

    def __eq__(self, other):
        return (isinstance(other, ItemError) and (self.index, self.type, self.message)
                == (other.index, other.type, other.message))

    def __hash__(self):
        return hash((self.index, self.type, self.message))

    def __repr__(self):
        return "ItemError(index=%r, type=%r, message=%r)" % (self.index, self.type, self.message)
