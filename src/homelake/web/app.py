"""The dashboard application: `create_app(settings, dashboard_config)` wires auth, routes and assets."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import HTTPException
from fastapi.staticfiles import StaticFiles
from starlette.responses import JSONResponse, PlainTextResponse, Response

from homelake.settings import Settings
from homelake.web.auth import Credentials, make_auth_middleware
from homelake.web.config import DashboardConfig
from homelake.web.routes import (
    api,
    climate,
    cloud,
    cluster,
    energy,
    health,
    inventory,
    network,
    overview,
    people,
    power,
    security,
)

STATIC_DIR = Path(__file__).parent / "static"


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code)
    return PlainTextResponse(f"{exc.status_code}: {exc.detail}\n", status_code=exc.status_code)


def create_app(settings: Settings, dashboard_config: DashboardConfig | None = None) -> FastAPI:
    """Build the app; refuses (DashboardConfigError) a non-loopback address without a credential and
    resolves the credential's secrets now (SecretError), so mistakes stop the start, not a request."""
    config = dashboard_config or DashboardConfig()
    config.check_exposure()
    credentials = Credentials.resolve(config.auth)
    app = FastAPI(title="homelake", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.middleware("http")(make_auth_middleware(credentials))
    app.add_exception_handler(HTTPException, _http_error)
    for module in (api, overview, inventory, energy, power, climate, network, people, security, cloud, cluster, health):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
