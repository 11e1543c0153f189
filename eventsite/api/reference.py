"""``/api/v1/openapi.json`` (generated, see ``spec``) and the readable reference page."""

from __future__ import annotations

import json

from flask import Response, current_app, render_template

from ..core.urls import external_url
from .blueprint import bp
from .spec import build_spec

SPEC_KEY = "eventsite.api_spec"


def openapi_document() -> dict:
    """The description, built once per process (the routes do not change while it runs)."""
    cached = current_app.extensions.get(SPEC_KEY)
    if cached is None:
        server = external_url("api.openapi").rsplit("/api/v1/", 1)[0] or "/"
        cached = current_app.extensions[SPEC_KEY] = build_spec(current_app, server)
    return cached


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this API."""
    body = json.dumps(openapi_document(), ensure_ascii=False, indent=1)
    return Response(body, content_type="application/json", headers={"Cache-Control": "max-age=300"})


def _schema_rows(document: dict, schema: dict) -> list[dict]:
    """The fields of a response schema, one level deep, for the reference page."""
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    rows = []
    for name, prop in schema.get("properties", {}).items():
        kind = prop.get("type", "object")
        if "$ref" in prop:
            kind = prop["$ref"].rsplit("/", 1)[1].removesuffix("Schema")
        elif kind == "array" and "$ref" in prop.get("items", {}):
            kind = "[" + prop["items"]["$ref"].rsplit("/", 1)[1].removesuffix("Schema") + "]"
        elif isinstance(kind, list):
            kind = " | ".join(kind)
        rows.append({"name": name, "type": kind, "description": prop.get("description", "")})
    return rows


@bp.get("/reference")
def reference():
    """The API's reference for people: each operation, its parameters and answers."""
    document = openapi_document()
    operations = []
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            ok = next(iter(op["responses"].items()))
            schema = ok[1].get("content", {}).get("application/json", {}).get("schema", {})
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "op": op,
                    "fields": _schema_rows(document, schema) if schema else [],
                }
            )
    return render_template("api/reference.html", operations=operations, document=document)
