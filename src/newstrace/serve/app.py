"""The FastAPI application: routes that validate a request, hand it to the library, return its JSON.

Library errors become HTTP status codes here and nowhere else (`_STATUS`); every error body is
`{"error": {"status", "message", "errors"?}}`, and no response ever carries a stack trace. The
server touches no file outside its index folder, fetches nothing, and follows no path given in
a request (a document's `url` is metadata, never opened).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import newstrace
from newstrace.errors import IndexLocked, IndexUnusable, InputError, ModelError, NewstraceError
from newstrace.index.ingest import ingest
from newstrace.index.store import Store
from newstrace.serve import work
from newstrace.serve.models import CompareRequest, DocumentsRequest, TraceRequest
from newstrace.serve.options import ServeOptions
from newstrace.serve.pool import Busy, StoreThread, WorkerPool

log = logging.getLogger("newstrace.serve")
HERE = Path(str(resources.files("newstrace") / "serve"))
_STATUS: tuple[tuple[type[NewstraceError], int], ...] = (
    (InputError, 400),
    (IndexLocked, 503),
    (IndexUnusable, 500),
    (ModelError, 500),
)
# the page runs only its own script and style; document text can never become markup or code
_PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_ERRORS = {
    400: {"description": "Bad input: malformed JSON, or an article that cannot be read (empty, no text in the HTML)"},
    401: {"description": "A write without the server's token (`Authorization: Bearer TOKEN`)"},
    413: {"description": "The body is over the server's limit (--max-body, default 5 MB)"},
    422: {"description": "The body does not match the request model; `errors` says where and why"},
    503: {"description": "Every worker is busy and the queue is full; retry after `Retry-After` seconds"},
}


def _error(status: int, message: str, errors: list | None = None, headers: dict | None = None) -> JSONResponse:
    body: dict = {"error": {"status": status, "message": message}}
    if errors:
        body["error"]["errors"] = errors
    return JSONResponse(body, status_code=status, headers=headers)


class BodyLimit:
    """Refuse a body over `max_body` bytes with 413, by Content-Length or by counting as it arrives.

    The body is read here (at most `max_body` bytes kept) and replayed to the app; an oversize one
    is drained, so the client sees the 413 rather than a reset connection.
    """

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app, self.max_body = app, max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and not declared.isdigit():
            await _error(400, "the Content-Length header is not a number")(scope, receive, send)
            return
        too_big = declared is not None and int(declared) > self.max_body
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            more = message.get("more_body", False)
            if size > self.max_body:
                too_big = True
            if not too_big:
                chunks.append(body)
            elif size > 16 * self.max_body:  # a flood: stop reading and answer now
                break
        if too_big:
            await _error(
                413, f"the request body is over the server's limit of {self.max_body:,} bytes; send less per request"
            )(scope, receive, send)
            return
        replay: list[Message] = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]

        async def replayed() -> Message:
            return replay.pop() if replay else await receive()

        await self.app(scope, replayed, send)


class SafeHeaders:
    """`nosniff` and `no-store` on every answer (pure ASGI: cheaper per request than BaseHTTPMiddleware)."""

    HEADERS = ((b"x-content-type-options", b"nosniff"), (b"cache-control", b"no-store"))

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.HEADERS if k not in names]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _validation_message(exc: RequestValidationError) -> tuple[int, str, list]:
    errors = []
    for e in exc.errors():
        loc = ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body"
        errors.append({"where": loc, "message": str(e.get("msg", "invalid")).removeprefix("Value error, ")})
        if e.get("type") == "json_invalid":
            return 400, f"the body is not valid JSON ({e.get('ctx', {}).get('error', 'parse error')})", []
    first = errors[0] if errors else {"where": "body", "message": "invalid"}
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return 422, f"{first['where']}: {first['message']}{more}", errors


def create_app(settings: ServeOptions) -> FastAPI:
    """The application for these settings; its worker pool and index thread live as long as it runs."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.writer = StoreThread(settings, "writer", settings.lock_timeout)
        app.state.reader = StoreThread(settings, "reader", settings.lock_timeout)
        app.state.pool = WorkerPool(settings)
        try:
            await app.state.pool.warm()
            yield
        finally:
            app.state.pool.close()
            app.state.reader.close()
            app.state.writer.close()

    app = FastAPI(
        title="newstrace",
        version=newstrace.__version__,
        summary="Trace news articles to their sources and explain what a rewrite changed.",
        description=(
            "Responses are the CLI's versioned JSON documents (`newstrace.compare/1`, `newstrace.trace/1`), "
            'described in docs/json-schema.md; errors are `{"error": {"status", "message", "errors"}}`. '
            "Writes need `Authorization: Bearer TOKEN` when the server was started with --token."
        ),
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.add_middleware(BodyLimit, max_body=settings.max_body)
    app.add_middleware(SafeHeaders)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    offline_docs = Path(str(resources.files("fastapi_offline") / "static"))
    app.mount("/static-docs", StaticFiles(directory=offline_docs), name="static-docs")
    templates = Jinja2Templates(directory=HERE / "templates")

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        status, message, errors = _validation_message(exc)
        return _error(status, message, errors)

    @app.exception_handler(NewstraceError)
    async def _library(_: Request, exc: NewstraceError) -> JSONResponse:
        status = next((code for kind, code in _STATUS if isinstance(exc, kind)), 500)
        headers = {"Retry-After": str(settings.retry_after)} if status == 503 else None
        return _error(status, str(exc), headers=headers)

    @app.exception_handler(Busy)
    async def _busy(_: Request, exc: Busy) -> JSONResponse:
        return _error(503, str(exc), headers={"Retry-After": str(exc.retry_after)})

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _crash(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)  # the trace goes to the server's log, never to the client
        return _error(500, "internal error; the server's log has the details")

    def require_token(request: Request) -> None:
        """Writes need the token when one is set; compared in constant time."""
        if settings.token is None:
            return
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), settings.token.encode()):
            raise HTTPException(
                401,
                "this server needs its token for writes: send `Authorization: Bearer TOKEN`",
                headers={"WWW-Authenticate": "Bearer"},
            )

    def json_bytes(body: bytes) -> Response:
        return Response(content=body, media_type="application/json")

    def loaded(encoder: str) -> str:
        if encoder not in settings.encoders:
            raise HTTPException(422, f"encoder: this server loaded only {', '.join(settings.encoders)}")
        return encoder

    def pool() -> WorkerPool:
        return app.state.pool  # set by the lifespan

    def reader() -> StoreThread:
        return app.state.reader

    def writer() -> StoreThread:
        return app.state.writer

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def page(request: Request) -> Response:
        response = templates.TemplateResponse(
            request, "index.html", {"version": newstrace.__version__, "max_body": settings.max_body}
        )
        response.headers["Content-Security-Policy"] = _PAGE_CSP
        return response

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="newstrace API",
            swagger_js_url="/static-docs/swagger-ui-bundle.js",
            swagger_css_url="/static-docs/swagger-ui.css",
            swagger_favicon_url="/static-docs/favicon.png",
        )

    @app.get("/healthz", tags=["server"], summary="Liveness: answers while comparisons run")
    async def healthz() -> dict:
        p = pool()
        return {
            "status": "ok",
            "ready": p.ready,
            "workers": settings.workers,
            "busy": p.in_flight,
            "capacity": settings.slots,
        }

    @app.post(
        "/api/compare",
        tags=["core"],
        summary="Is the suspect derived from the source, and how? (newstrace.compare/1)",
        responses={
            200: {"description": "The `newstrace.compare/1` document", "content": {"application/json": {}}},
            **_ERRORS,
        },
    )
    async def api_compare(body: CompareRequest) -> Response:
        request = body.model_dump()
        return json_bytes(await pool().run(work.compare_job, request, loaded(body.encoder or settings.compare_encoder)))

    @app.post(
        "/api/trace",
        tags=["core"],
        summary="Find the article's sources in the index (newstrace.trace/1)",
        responses={
            200: {"description": "The `newstrace.trace/1` document", "content": {"application/json": {}}},
            **_ERRORS,
        },
    )
    async def api_trace(body: TraceRequest) -> Response:
        request = body.model_dump()
        return json_bytes(await pool().run(work.trace_job, request, loaded(body.encoder or settings.trace_encoder)))

    @app.post(
        "/api/documents",
        tags=["index"],
        summary="Add or update a batch of documents (one transaction); the `index add --json` report",
        dependencies=[Depends(require_token)],
        responses={
            200: {"description": "Some or all accepted: `added`, `updated`, `skipped`, `rejections`"},
            **_ERRORS,
        },
    )
    async def api_add(body: DocumentsRequest) -> JSONResponse:
        records = [d.model_dump() for d in body.documents]
        items = await pool().run(work.convert_job, records)
        report = await writer().call(lambda s, its: ingest(s, its), items)
        out = report.to_json()
        if report.accepted == 0:
            return _error(422, "no document was accepted; `errors` says why for each", out["rejections"])
        return JSONResponse(out)

    @app.get(
        "/api/documents/{doc_id:path}",
        tags=["index"],
        summary="One indexed document",
        responses={404: {"description": "No document with this id"}},
    )
    async def api_get(doc_id: str) -> JSONResponse:
        doc = await reader().call(lambda s, i: s.get(i), doc_id)
        if doc is None:
            raise HTTPException(404, f"no document with id {doc_id!r} in the index")
        return JSONResponse(
            {
                "id": doc.id,
                "text": doc.text,
                "title": doc.title,
                "url": doc.url,
                "outlet": doc.outlet,
                "published": doc.published,
            }
        )

    @app.delete(
        "/api/documents/{doc_id:path}",
        tags=["index"],
        summary="Remove one document",
        dependencies=[Depends(require_token)],
        responses={404: {"description": "No document with this id"}, 401: _ERRORS[401]},
    )
    async def api_delete(doc_id: str) -> JSONResponse:
        removed = await writer().call(lambda s, i: s.remove([i]), doc_id)
        if not removed:
            raise HTTPException(404, f"no document with id {doc_id!r} in the index")
        return JSONResponse({"removed": removed})

    @app.get("/api/stats", tags=["index"], summary="Documents, sentences and size of the index")
    async def api_stats() -> JSONResponse:
        stats = await reader().call(_stats)
        return JSONResponse(stats)

    return app


def _stats(store: Store) -> dict:
    """As `index stats --json`, without the folder's path (a client has no business with it)."""
    stats = dict(store.stats())
    stats.pop("path", None)
    return stats
