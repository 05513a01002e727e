"""Each API operation's contract, checked at the boundary and served as OpenAPI 3.1.

A view declares its operation with :func:`operation`: the permission, the request body and
query models, the answer's model and the refusals it can give. The blueprint's single
enforcement point (:func:`syndicate.api.auth.enforce`) validates the query string and the
body against those models before the view runs; the view reads them with :func:`body` and
:func:`query`, and returns models, which are dumped as JSON here. :func:`document` builds
the OpenAPI document from the same declarations and pydantic's JSON Schema, walking the URL
map, so a route without a declaration is missing from the document (a test fails on it).

Why a small route table rather than spectree or flask-openapi3: both bring their own
validation hook, error body and authentication model, while this blueprint already has one
enforcement point (credentials, permission, input policy, body size and media type, in that
order) and a fixed error format. Declaring the models beside the existing ``requires``
marker keeps that order and those answers unchanged, and needs no new dependency beyond
pydantic.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, current_app, g, request
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema
from sqlalchemy import Select, func, select
from werkzeug.wrappers import Response

from syndicate.api import permissions as perms
from syndicate.api import schemas
from syndicate.api.jsonio import invalid
from syndicate.web.db import db_session
from syndicate.web.routing import MAX_ID

JSON = "application/json"
MULTIPART = "multipart/form-data"
OPERATION_ATTRIBUTE = "_api_operation"
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]
OPTIONAL_BEARER: list[dict[str, list[str]]] = [{}, {"bearer": []}]
REF = "#/components/schemas/{model}"
BODY_METHODS = frozenset({"post", "put", "patch"})

ERROR_RESPONSES = {
    400: ("Malformed", "400: the body is not JSON, or not a JSON object."),
    401: (
        "Unauthenticated",
        "401: no credentials, or credentials that are unknown, revoked or disabled. Comes "
        'with `WWW-Authenticate: Bearer realm="syndicate-api"`.',
    ),
    403: ("Forbidden", "403: the credentials do not allow this operation."),
    404: ("NotFound", "404: not found, or not the caller's (the two look alike)."),
    405: (
        "NoSuchOperation",
        "405: the address names no operation for this method (an id outside the API's range "
        "can route like another operation's address).",
    ),
    409: (
        "Conflict",
        "409: the object is not in a state that allows this (already decided, already "
        "revoked, or edited since the version given).",
    ),
    413: ("TooLarge", "413: the body is over the limit."),
    415: ("UnsupportedMediaType", "415: the body has the wrong media type."),
    422: ("Invalid", "422: some fields are invalid; `error.fields` names each one."),
    429: ("TooManyRequests", "429: too many requests; retry later."),
}

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Operation:
    """What one view accepts and answers."""

    summary: str
    tag: str
    permission: str
    answer: type[BaseModel] | None
    status: int = 200
    body: type[BaseModel] | None = None
    body_required: bool = False
    media_type: str = JSON
    query: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    description: str = ""
    also: tuple[tuple[str, type[BaseModel]], ...] = ()


def operation(
    summary: str,
    *,
    tag: str,
    permission: str,
    answer: type[BaseModel] | None,
    status: int = 200,
    body: type[BaseModel] | None = None,
    body_required: bool = False,
    multipart: bool = False,
    query: type[BaseModel] | None = None,
    errors: tuple[int, ...] = (),
    description: str = "",
    also: tuple[tuple[str, type[BaseModel]], ...] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a view's operation: its permission (as :func:`perms.requires`), the models of
    its body, query and answer (``None``: no content), other shapes the answer may take
    (``also``: media type and model, e.g. ninjs) and the refusals it documents."""
    spec = Operation(
        summary=summary,
        tag=tag,
        permission=permission,
        answer=answer,
        status=status,
        body=body,
        body_required=body_required,
        media_type=MULTIPART if multipart else JSON,
        query=query,
        errors=errors,
        description=description,
        also=also,
    )

    def declare(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def shaped(*args: Any, **kwargs: Any) -> Any:
            validate_input(spec)
            result = view(*args, **kwargs)
            if isinstance(result, BaseModel):
                return _dump(result), spec.status
            return result

        marked = perms.requires(permission, body="multipart" if multipart else "json")(shaped)
        setattr(marked, OPERATION_ATTRIBUTE, spec)
        return marked

    return declare


def _dump(model: BaseModel) -> dict[str, Any]:
    # Fields a model leaves unset (a partner's article has no staff fields) stay absent.
    return model.model_dump(mode="json", exclude_unset=True)


def operation_of(view: Callable[..., Any] | None) -> Operation | None:
    """The operation declared on ``view``, if any."""
    return getattr(view, OPERATION_ATTRIBUTE, None)


# --- validation at the boundary --------------------------------------------------------


def _field_name(location: tuple[int | str, ...]) -> str:
    """A dotted field path; an index stays only before a nested field (``images[0].role``):
    a list of plain values answers for itself (``authors``)."""
    name = ""
    for n, part in enumerate(location):
        if isinstance(part, int):
            if n + 1 < len(location):
                name += f"[{part}]"
        else:
            name += f".{part}" if name else str(part)
    return name or "body"


# The house wording for pydantic's error kinds; the rest say what pydantic says.
MESSAGES = {
    "missing": "Required.",
    "extra_forbidden": "Unknown field.",
    "string_type": "Must be text.",
    "bool_type": "Must be true or false.",
    "int_type": "Give a whole number.",
    "int_parsing": "Give a whole number.",
    "int_from_float": "Give a whole number.",
    "less_than_equal": "That number is out of range.",
    "greater_than_equal": "That number is out of range.",
}


def _message(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    context = error.get("ctx") or {}
    if kind in MESSAGES:
        return MESSAGES[kind]
    if kind == "string_too_long":
        return f"At most {context['max_length']:,} characters."
    if kind == "too_long":
        return f"Give a list of at most {context['max_length']:,} entries."
    if kind == "string_too_short" and context.get("min_length") == 1:
        return "Required."
    if kind == "enum":
        return f"Choose one of: {context.get('expected', '')}."
    if kind == "value_error":
        return str(context.get("error", error["msg"]))
    return str(error["msg"]) + "."


def _validated(model: type[M], data: Any) -> M:
    try:
        # The session lets a model check the objects a body names (a section, an author).
        return model.model_validate(data, context={"session": db_session()})
    except ValidationError as exc:
        problems: dict[str, str] = {}
        for error in exc.errors(include_url=False):
            problems.setdefault(_field_name(tuple(error["loc"])), _message(error))
        raise invalid(problems) from None


def validate_input(spec: Operation) -> None:
    """Validate the query string and the body against the operation's models (422 naming
    each field at fault), for :func:`body` and :func:`query`. Runs after the blueprint's
    enforcement (credentials, permission, input policy, body size and type) and after a
    view's own rate limit, so refused bodies count against it."""
    g.api_query = _validated(spec.query or schemas.NoQuery, request.args.to_dict())
    if spec.body is not None and request.method in {"POST", "PUT", "PATCH"}:
        if spec.media_type == MULTIPART:
            # str(): a multipart part without a name arrives under the key None.
            form = {str(name): value for name, value in request.form.items()}
            g.api_body = _validated(spec.body, form)
        else:
            g.api_body = _validated(spec.body, dict(g.get("api_json") or {}))


def body(model: type[M]) -> M:
    """The current request's validated body."""
    value = g.api_body
    if not isinstance(value, model):
        raise TypeError(f"the body is a {type(value).__name__}, not a {model.__name__}")
    return value


def query(model: type[M]) -> M:
    """The current request's validated query string."""
    value = g.api_query
    if not isinstance(value, model):
        raise TypeError(f"the query is a {type(value).__name__}, not a {model.__name__}")
    return value


@dataclass(frozen=True)
class Page:
    """One page of a list: its rows, and how to turn their JSON into a page's fields."""

    rows: Sequence[Any]
    asked: schemas.PageQuery
    total: int
    size: int

    def fields(self, items: list[Any]) -> dict[str, Any]:
        """The fields of a :class:`schemas.Page` model holding ``items``."""
        return {
            "items": items,
            "page": self.asked.page,
            "per_page": self.size,
            "total": self.total,
            "pages": max(1, -(-self.total // self.size)),
        }


def page_of(
    statement: Select[Any], asked: schemas.PageQuery, *order: Any, options: Sequence[Any] = ()
) -> Page:
    """The page ``asked`` of ``statement``'s rows in ``order``, with the count of them all.

    The count runs on the bare statement: loader ``options`` go only on the page's query.
    """
    size = asked.per_page or int(current_app.config["SITE_PAGE_SIZE"])
    session = db_session()
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.scalars(
        statement.options(*options).order_by(*order).limit(size).offset((asked.page - 1) * size)
    ).all()
    return Page(rows, asked, total, size)


def no_content() -> Response:
    """An empty 204 answer that claims no body type (an empty body is not ``text/plain``)."""
    answer = Response(status=204)
    del answer.headers["Content-Type"]
    return answer


# --- the document -----------------------------------------------------------------------


def _routes(app: Flask) -> list[tuple[str, str, list[tuple[str, str]], Operation]]:
    """Every declared API route: (path, method, path parameters, operation)."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        spec = operation_of(app.view_functions[rule.endpoint])
        if spec is None:
            continue  # undocumented: the document test names it
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule).removeprefix("/api/v1")
        params = [
            (name, "integer" if converter == "int" else "string")
            for converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", rule.rule)
        ]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((path, method.lower(), params, spec))
    return found


def undocumented(app: Flask) -> list[str]:
    """The API endpoints that declare no operation (and so are missing from the document)."""
    return sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        and operation_of(app.view_functions[rule.endpoint]) is None
    )


def _security(permission: str) -> list[dict[str, list[str]]]:
    if permission == perms.API_DESCRIBE:
        return []
    if permission in perms.ROLE_PERMISSIONS[perms.ANONYMOUS]:
        return OPTIONAL_BEARER
    return BEARER


def _inline(schema: Any, defs: Mapping[str, Any]) -> Any:
    """``schema`` with its references replaced by what they name, and ``null`` dropped from
    a choice (an absent query parameter is the only "null" a query string has)."""
    if isinstance(schema, list):
        return [_inline(item, defs) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        named = dict(defs[schema["$ref"].rsplit("/", 1)[1]])
        named.pop("title", None)
        named.pop("description", None)
        return _inline(named, defs)
    if "anyOf" in schema:
        choices = [c for c in schema["anyOf"] if c != {"type": "null"}]
        if len(choices) == 1:
            rest = {k: v for k, v in schema.items() if k != "anyOf"}
            return _inline({**choices[0], **rest}, defs)
    return {key: _inline(value, defs) for key, value in schema.items()}


def _path_schema(kind: str) -> dict[str, Any]:
    if kind == "integer":
        # What the ``int`` converter routes: anything else is no address of this API.
        return {"type": "integer", "minimum": 0, "maximum": MAX_ID}
    return {"type": "string"}


def _parameters(params: list[tuple[str, str]], spec: Operation) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": _path_schema(kind)}
        for name, kind in params
    ]
    if spec.query is not None:
        schema = spec.query.model_json_schema(ref_template=REF)
        defs = schema.get("$defs", {})
        for name, raw in schema.get("properties", {}).items():
            prop = _inline(raw, defs)
            prop.pop("title", None)
            if prop.get("default") is None:
                prop.pop("default", None)
            description = prop.pop("description", "")
            found.append(
                {
                    "name": name,
                    "in": "query",
                    "required": False,
                    "schema": prop,
                    "description": description,
                }
            )
    return found


def _error(status: int) -> dict[str, str]:
    return {"$ref": f"#/components/responses/{ERROR_RESPONSES[status][0]}"}


def _operation(
    method: str, spec: Operation, params: list[tuple[str, str]], refs: Mapping[Any, Any]
) -> dict[str, Any]:
    # Every request's query string passes the input policy (422), every body its size,
    # type and syntax checks, and bad credentials get 401 even where none are needed.
    statuses = {401, 422, 429, *spec.errors}
    if spec.permission not in perms.ROLE_PERMISSIONS[perms.ANONYMOUS]:
        statuses.add(403)
    if method in BODY_METHODS:
        statuses |= {400, 413, 415}
    if any(kind == "integer" for _name, kind in params):
        statuses.add(405)
    answer: dict[str, Any] = {"description": spec.summary + "."}
    if spec.answer is not None:
        content: dict[str, Any] = {JSON: {"schema": refs[(spec.answer, "serialization")]}}
        for media_type, model in spec.also:
            schema = refs[(model, "serialization")]
            if media_type in content:
                schema = {"anyOf": [content[media_type]["schema"], schema]}
            content[media_type] = {"schema": schema}
        answer["content"] = content
    result: dict[str, Any] = {
        "tags": [spec.tag],
        "summary": spec.summary,
        "description": (spec.description + f"\n\nPermission: `{spec.permission}`.").strip(),
        "operationId": None,
        "x-permission": spec.permission,
        "security": _security(spec.permission),
        "responses": {
            str(spec.status): answer,
            **{str(s): _error(s) for s in sorted(statuses)},
        },
    }
    parameters = _parameters(params, spec)
    if parameters:
        result["parameters"] = parameters
    if spec.body is not None:
        result["requestBody"] = {
            "required": spec.body_required,
            "content": {spec.media_type: {"schema": refs[(spec.body, "validation")]}},
        }
    return result


def _nullable(schema: Mapping[str, Any]) -> bool:
    kind = schema.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    return any(_nullable(choice) for choice in schema.get("anyOf", []))


def _tidy(schema: Any) -> Any:
    """Drop a ``null`` default from a schema that does not admit null (a field whose
    absence means "unchanged" or "none", but that may not be sent as null)."""
    if isinstance(schema, list):
        return [_tidy(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    tidied = {key: _tidy(value) for key, value in schema.items()}
    if "default" in tidied and tidied["default"] is None and not _nullable(tidied):
        del tidied["default"]
    return tidied


def document(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every declared API operation."""
    routes = _routes(app)
    models: set[tuple[type[BaseModel], str]] = {(schemas.Error, "serialization")}
    for _path, _method, _params, spec in routes:
        if spec.answer is not None:
            models.add((spec.answer, "serialization"))
        models |= {(model, "serialization") for _media_type, model in spec.also}
        if spec.body is not None:
            models.add((spec.body, "validation"))
    ordered = sorted(models, key=lambda item: (item[0].__name__, item[1]))
    refs, top = models_json_schema(ordered, ref_template=REF)  # type: ignore[arg-type]
    paths: dict[str, dict[str, Any]] = {}
    for path, method, params, spec in routes:
        built = _operation(method, spec, params, refs)
        built["operationId"] = f"{method}{path}"
        paths.setdefault(path, {})[method] = built
    config = app.config
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{config['SITE_NAME']} API",
            "version": "1.0.0",
            "description": (
                "Licensing, articles, images, feed keys and licences; the newswire "
                "(embargoes, corrections, kills, notices and their acknowledgements), "
                "comment moderation, API tokens, and a partner's webhook and pickups. "
                "Authenticate with "
                "`Authorization: Bearer TOKEN`: a staff or partner API token (`synd_api_…`), "
                "or a partner feed key (`synd_feed_…`, read-only: articles). Cookies are never "
                'accepted. Errors are `{"error": {"code", "message", "fields"}}`; '
                "times are ISO 8601 with a zone; JSON bodies are objects of at most "
                f"{int(config['API_MAX_BODY_BYTES']):,} bytes; unknown body fields and query "
                "parameters are refused."
            ),
        },
        "servers": [{"url": str(config["SITE_BASE_URL"]).rstrip("/") + "/api/v1"}],
        "tags": [{"name": name} for name in dict.fromkeys(spec.tag for *_, spec in routes)],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A staff or partner API token, or a partner feed key.",
                }
            },
            "schemas": _tidy(top.get("$defs", {})),
            "responses": {
                name: {
                    "description": description,
                    "content": {JSON: {"schema": refs[(schemas.Error, "serialization")]}},
                }
                for name, description in ERROR_RESPONSES.values()
            },
        },
    }
