"""Security headers on every response, and HTTP caching for anonymous public pages."""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from feeds.http import PER_ANSWER, answer, representation

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


# Where a public page leaves its representation for the page cache (a WSGI environ key).
REPRESENTATION = "syndicate.representation"


def make_public_cacheable(response: Response) -> BaseResponse:
    """Let shared caches keep an anonymous page: ``Cache-Control: public``, answered like a
    partner feed (:func:`feeds.http.answer`: gzip to clients that accept it, an ETag per
    encoding, 304s), its representation left in the environ for the page cache.

    Signed-in users get a private, unstored and uncompressed copy instead: nobody's view
    leaks into a cache, and the CSRF token in their pages is never compressed beside text a
    request chooses (BREACH).
    """
    if request.method not in {"GET", "HEAD"} or response.status_code != 200:
        return response
    if current_user.is_authenticated:
        response.headers["Cache-Control"] = "private, no-store"
        return response
    max_age = int(current_app.config["SITE_CACHE_MAX_AGE"])
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.vary.add("Accept-Encoding")
    kept = tuple((n, v) for n, v in response.headers if n.lower() not in PER_ANSWER)
    rep = representation(response.get_data(), response.last_modified, headers=kept)
    if "HTTP_IF_MATCH" in request.environ:  # Werkzeug's rule (412), on the identity bytes
        response.set_etag(rep.etag[1:-1])
        return response.make_conditional(request)
    request.environ[REPRESENTATION] = rep
    status, headers, body = answer(rep, request.environ)
    return Response(body, status=status, headers=headers)


def secret_page(html: str, status: int = 200) -> Response:
    """A page that shows a secret once (a new key or token): no cache may keep it, the
    browser's included."""
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def init_app(app: Flask) -> None:
    """Add the security headers to every response."""

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        if app.config["ENV"] == "production":
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if "Cache-Control" not in headers and current_user.is_authenticated:
            headers["Cache-Control"] = "private, no-store"
        return response
