"""The OpenAPI 3.1 description, generated from the routes and their marshmallow schemas.

Each API view says what it answers with ``@operation(...)``; ``build_spec`` walks the URL
map, turns each documented rule into a path (its arguments become path parameters) and lets
apispec's marshmallow plugin write the schemas. Nothing is written by hand.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from werkzeug.routing import IntegerConverter

from .schemas import ErrorSchema

ERROR_TEXTS = {
    304: "Not modified: the copy with this ETag is current.",
    400: "A query parameter is not valid.",
    401: "No token, or a token that is unknown or revoked.",
    403: "The token may not do this (another hub's session, or a read-only token).",
    404: "No such object.",
    422: "The body is not valid; `message` says why.",
    429: "Too many requests with this token; try again later.",
}


def operation(
    summary: str,
    response,
    *,
    description: str = "",
    parameters: list[dict] | None = None,
    errors: tuple[int, ...] = (),
    token: bool = False,
    cached: bool = False,
    body=None,
    status: int = 200,
    tag: str = "programme",
) -> Callable:
    """Document a view: what it returns (a schema class), which errors, whether it needs a
    token (adds 401, 403 and 429) and whether it answers with an ETag (adds 304)."""

    def decorate(view):
        view.openapi = {
            "summary": summary,
            "description": description or (view.__doc__ or "").strip(),
            "response": response,
            "parameters": list(parameters or []),
            "errors": sorted(
                set(errors) | ({401, 403, 429} if token else set()) | ({304} if cached else set())
            ),
            "token": token,
            "body": body,
            "status": status,
            "tag": tag,
        }
        return view

    return decorate


def _openapi_path(rule) -> tuple[str, list[dict]]:
    """``/sessions/<slug>`` as ``/sessions/{slug}``, with its path parameters."""
    parameters = []
    for name in rule.arguments:
        converter = rule._converters.get(name)
        kind = "integer" if isinstance(converter, IntegerConverter) else "string"
        schema = {"type": kind}
        if kind == "integer":
            schema.update(minimum=0, maximum=2147483647)
        parameters.append({"in": "path", "name": name, "required": True, "schema": schema})
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule), parameters


def _operation_object(doc: dict, path_parameters: list[dict]) -> dict:
    responses = {
        str(doc["status"]): {
            "description": "OK",
            "content": {"application/json": {"schema": doc["response"]}},
        }
        if doc["response"] is not None
        else {"description": "Done"}
    }
    for code in doc["errors"]:
        responses[str(code)] = {"description": ERROR_TEXTS[code]}
        if code != 304:
            responses[str(code)]["content"] = {"application/json": {"schema": ErrorSchema}}
    result = {
        "summary": doc["summary"],
        "description": doc["description"],
        "tags": [doc["tag"]],
        "parameters": path_parameters + doc["parameters"],
        "responses": responses,
    }
    if doc["token"]:
        result["security"] = [{"token": []}]
    if doc["body"] is not None:
        result["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": doc["body"]}},
        }
    return result


def build_spec(app: Flask, server_url: str) -> dict:
    """The OpenAPI 3.1 document of every documented view of the app."""
    spec = APISpec(
        title=f"{app.config['SITE_NAME']} API",
        version="1.0.0",
        openapi_version="3.1.0",
        plugins=[MarshmallowPlugin()],
        info={
            "description": "The programme (public) and, with a personal access token, the "
            "registrations of the sessions an organiser may see."
        },
        servers=[{"url": server_url}],
    )
    spec.components.security_scheme(
        "token", {"type": "http", "scheme": "bearer", "description": "A personal access token"}
    )
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        doc = getattr(app.view_functions[rule.endpoint], "openapi", None)
        if doc is None:
            continue
        path, parameters = _openapi_path(rule)
        operations = {
            method.lower(): _operation_object(doc, parameters)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
        }
        spec.path(path=path, operations=operations)
    return spec.to_dict()
