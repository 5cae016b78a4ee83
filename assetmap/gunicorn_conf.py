"""gunicorn settings used by `assetmap serve` and the Docker image.

The app is imported once in the master (--preload) and forked, so workers start fast; each worker
then drops any database connections inherited from the master.
"""

preload_app = True


def post_fork(server, worker):  # noqa: ARG001 - gunicorn's hook signature
    from assetmap import db

    for engine in db._engines.values():
        engine.dispose(close=False)
