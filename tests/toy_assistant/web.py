"""The toy assistant's API route and page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from causerie.errors import NotFound
from causerie.types import Owner
from causerie.web import auth
from causerie.web.deps import notebook_by_id, services_of
from causerie.web.templating import templates

router = APIRouter(include_in_schema=False)
User = Annotated[Owner, Depends(auth.require_user)]


@router.get("/api/notebooks/{notebook_id}/toy/count")
def count_json(request: Request, notebook_id: str, owner: User) -> dict[str, int]:
    store = services_of(request).store
    notebook = notebook_by_id(store, owner, notebook_id)
    return {"sources": len(store.list_sources(owner, notebook.id))}


@router.get("/notebooks/{notebook_id}/toy", response_class=HTMLResponse)
def toy_page(request: Request, notebook_id: str) -> Response:
    owner = auth.page_user(request)
    if owner is None:
        return RedirectResponse("/login", status_code=303)
    store = services_of(request).store
    try:
        notebook = notebook_by_id(store, owner, notebook_id)
    except NotFound:
        return HTMLResponse("not found", status_code=404)
    count = len(store.list_sources(owner, notebook.id))
    return templates.TemplateResponse(
        request, "toy/page.html", {"notebook": notebook, "count": count, "tab": "toy"}
    )


@router.get("/toy", response_class=HTMLResponse)
def toy_home(request: Request) -> Response:
    owner = auth.page_user(request)
    if owner is None:
        return RedirectResponse("/login", status_code=303)
    notebooks = services_of(request).store.list_notebooks(owner)
    return templates.TemplateResponse(request, "toy/home.html", {"notebooks": notebooks})
