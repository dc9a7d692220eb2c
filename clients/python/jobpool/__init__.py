"""jobpool: ``multiprocessing.Pool`` over HTTP.

    import jobpool
    with jobpool.Pool("http://localhost:8080") as pool:
        print(pool.map("square", range(10)))        # the service's "square", by name

Functions run on the service, never in this process: name one (``"square"``,
``jobpool.Function("square")``, a built-in such as ``pow``) or give a CEL ``jobpool.Expression``.
A local callable (a lambda, your own ``def``) raises ``TypeError`` before anything is sent.

Standard library only. See :class:`Pool` for the API and the README for the mapping to
``multiprocessing.Pool``.
"""

__version__ = "0.1.0"

from .errors import ItemError, JobError, JobpoolConnectionError, JobpoolError, TimeoutError  # noqa: E402
from .pool import AsyncResult, Expression, Function, IMapIterator, Pool  # noqa: E402

__all__ = ["Pool", "AsyncResult", "IMapIterator", "Function", "Expression", "JobpoolError", "JobpoolConnectionError",
           "JobError", "ItemError", "TimeoutError", "__version__"]
