"""jobpool: ``multiprocessing.Pool`` over HTTP.

    import jobpool
    with jobpool.Pool("http://localhost:8080") as pool:
        print(pool.map("square", range(10)))

Standard library only. See :class:`Pool` for the API and the README for the mapping to
``multiprocessing.Pool``.
"""

__version__ = "0.1.0"

from .errors import ItemError, JobError, JobpoolConnectionError, JobpoolError, TimeoutError  # noqa: E402
from .pool import AsyncResult, Expression, IMapIterator, Pool  # noqa: E402

__all__ = ["Pool", "AsyncResult", "IMapIterator", "Expression", "JobpoolError", "JobpoolConnectionError",
           "JobError", "ItemError", "TimeoutError", "__version__"]
