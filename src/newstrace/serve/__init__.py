"""`newstrace serve`: the HTTP API and the web page, a thin shell over the library."""

from newstrace.serve.options import ServeOptions

__all__ = ["ServeOptions", "create_app", "run_server"]


def create_app(settings: ServeOptions):  # -> FastAPI, imported lazily
    """The FastAPI application for these settings (imported here: the CLI should not pay for FastAPI)."""
    from newstrace.serve.app import create_app as _create_app

    return _create_app(settings)


def run_server(settings: ServeOptions) -> None:
    """Serve until interrupted (uvicorn; one event loop, the core in worker processes)."""
    import uvicorn

    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="info",
        access_log=False,
        timeout_graceful_shutdown=10,
    )
