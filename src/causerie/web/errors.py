"""Every error as JSON: `{"error": {"code", "message"}}` (under /v1 also "type" and "param",
the OpenAI shape). Malformed JSON is a 400, a body that does not validate a 422, a missing or
foreign id a 404 (the same body for both), never a traceback."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from causerie.errors import CauserieError, InputError, NotFound, ProviderError, StoreError

log = logging.getLogger("causerie.web")

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
    500: "internal_error",
    502: "model_error",
    503: "unavailable",
}
_OPENAI_TYPES = {
    401: "authentication_error",
    403: "permission_error",
    404: "invalid_request_error",
    429: "rate_limit_error",
}


class ApiError(StarletteHTTPException):
    """An HTTP error with a machine-readable code (an HTTPException, so FastAPI passes it on
    unchanged even from inside body parsing)."""

    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(status_code, message, dict(headers) if headers else None)
        self.code = code
        self.message = message


def error_response(
    request: Request,
    status: int,
    code: str,
    message: str,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if request.url.path.startswith("/v1/") or request.url.path == "/v1":
        body["type"] = _OPENAI_TYPES.get(status, "invalid_request_error" if status < 500 else
                                         "server_error")  # fmt: skip
        body["param"] = None
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def describe_validation(errors: Sequence[Any]) -> str:
    """'body.question: Field required; query.limit: ...' from pydantic's error list."""
    parts = []
    for error in errors[:5]:
        where = ".".join(str(p) for p in error.get("loc", ()))
        parts.append(f"{where}: {error.get('msg', 'invalid')}" if where else error.get("msg"))
    return "; ".join(str(p) for p in parts) or "the request is not valid"


def allowed_methods(request: Request) -> str:
    """Every method some route serves at this path (Starlette's 405 names only the first
    route's, when several routes share a path)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return ", ".join(sorted(methods))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = exc.code if isinstance(exc, ApiError) else _CODES.get(exc.status_code, "error")
        message = str(exc.detail) if exc.detail else code.replace("_", " ")
        headers = exc.headers
        if exc.status_code == 404 and not isinstance(exc, ApiError):
            message = f"no route for {request.method} {request.url.path}"
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": allowed_methods(request)}
        return error_response(request, exc.status_code, code, message, headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            where = next(e for e in errors if e.get("type") == "json_invalid")
            detail = (where.get("ctx") or {}).get("error", "")
            message = f"the request body is not valid JSON{f' ({detail})' if detail else ''}"
            return error_response(request, 400, "malformed_json", message)
        return error_response(request, 422, "invalid_request", describe_validation(errors))

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> JSONResponse:
        return error_response(request, 404, "not_found", str(exc))

    @app.exception_handler(InputError)
    async def bad_input(request: Request, exc: InputError) -> JSONResponse:
        return error_response(request, 400, "invalid_input", str(exc))

    @app.exception_handler(ProviderError)
    async def model_failed(request: Request, exc: ProviderError) -> JSONResponse:
        return error_response(request, 502, "model_error", str(exc))

    @app.exception_handler(StoreError)
    async def store_failed(request: Request, exc: StoreError) -> JSONResponse:
        log.error("store error on %s %s: %s", request.method, request.url.path, exc)
        message = "the data store failed; the server log has the details"  # never its path
        return error_response(request, 500, "internal_error", message)

    @app.exception_handler(CauserieError)
    async def causerie_failed(request: Request, exc: CauserieError) -> JSONResponse:
        log.error("request failed: %s", exc)
        return error_response(request, 500, "internal_error", str(exc))

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        message = f"internal error ({type(exc).__name__}); the server log has the details"
        return error_response(request, 500, "internal_error", message)
