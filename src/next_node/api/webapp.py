"""The members' web app (webapp/, built by `make webapp` into next_node/web/dist), served by the
gateway itself at /app/, with nothing from outside: the page talks to this gateway only, and keys
never leave the browser. A strict content security policy keeps it so: scripts, styles and calls
from this origin alone."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Response
from fastapi.responses import FileResponse, PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

DIST = Path(__file__).resolve().parent.parent / "web" / "dist"
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


IMMUTABLE = "public, max-age=31536000, immutable"  # a chunk's name holds its hash: it never changes


class AppFiles(StaticFiles):
    """The built files, each answered with the app's policy, gzipped for a browser that takes it
    (the build writes each file's .gz beside it), a hashed chunk cached for a year and the rest
    revalidated. (Not a middleware: one wrapping every request would stand between the body limit
    and the routes.)"""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if isinstance(response, FileResponse) and response.status_code == 200 and _takes_gzip(scope):
            packed = Path(str(response.path) + ".gz")
            if packed.is_file():
                response = FileResponse(packed, media_type=response.media_type, headers={"Content-Encoding": "gzip"})
        if isinstance(response, FileResponse):
            response.headers["Vary"] = "Accept-Encoding"
        response.headers["Cache-Control"] = IMMUTABLE if path.startswith("chunks/") else "no-cache"
        response.headers["Content-Security-Policy"] = POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response


def install_webapp(app: FastAPI, dist: Path = DIST) -> None:
    """/app/ serves the built app (or says how to build it); / leads there."""

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/app/")

    if (dist / "index.html").exists():
        app.mount("/app", AppFiles(directory=dist, html=True), name="app")
    else:

        @app.get("/app/{path:path}", include_in_schema=False)
        def not_built(path: str) -> PlainTextResponse:
            return PlainTextResponse("the web app is not built here: make webapp", status_code=404)


def _takes_gzip(scope: Scope) -> bool:
    """Whether the request's Accept-Encoding takes gzip (and does not weigh it 0)."""
    accepted = dict(scope.get("headers") or []).get(b"accept-encoding", b"").decode("latin-1").lower()
    for entry in accepted.split(","):
        coding, _, weight = entry.strip().partition(";q=")
        if coding.strip() in ("gzip", "*"):
            try:
                return float(weight or 1) > 0
            except ValueError:
                return False
    return False
