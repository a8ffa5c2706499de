"""The Flask application: panels as blueprints, login and security enforced app-wide.

``create_app(settings, services=None)`` builds one app.  Every blueprint is listed in
:data:`BLUEPRINTS`; the login check, session expiry, CSRF protection and security headers are
installed on the app itself (``piranha_web.web.security``), so every route of every blueprint is
protected for every HTTP method without the blueprint doing anything.
"""

from __future__ import annotations

from importlib import import_module

from flask import Flask, redirect, url_for
from flask_openapi3.openapi import OpenAPI
from werkzeug.wrappers import Response

from piranha_web.resources import resource_path
from piranha_web.web import api, devices, errors, security, templating, traffic_charts
from piranha_web.web.services import EXTENSION_KEY, Services, services
from piranha_web.web.settings import MAX_REQUEST_BODY, WebSettings

__all__ = ["BLUEPRINTS", "Services", "WebSettings", "create_app", "services"]

#: every panel: a subpackage of piranha_web.web whose ``views`` module holds blueprint ``bp``
BLUEPRINTS: tuple[str, ...] = (
    "login",
    "control",
    "global_settings",
    "redundancy",
    "virtual",
    "server",
    "monitoring",
    "probe",
    "sync",
    "keepalived",
    "history",
    "users",
    "audit",
    "apidocs",
    "findings",
    "maintenance",
    "metrics",
)


def create_app(settings: WebSettings, *, services: Services | None = None) -> Flask:
    """A configured app; ``services`` default to the ones ``settings`` describe."""
    app = OpenAPI(  # a Flask app that also collects the REST API's OpenAPI document
        "piranha_web",
        template_folder=str(resource_path("templates")),
        static_folder=str(resource_path("static")),
        **api.OPENAPI_OPTIONS,
    )
    app.config.update(
        SECRET_KEY=settings.resolved_secret(),
        TESTING=settings.testing,
        SESSION_COOKIE_NAME=settings.cookie_name("piranha_session"),
        SESSION_COOKIE_PATH="/",  # the __Host- prefix (TLS) needs Path=/
        SESSION_COOKIE_DOMAIN=None,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=settings.tls,
        PERMANENT_SESSION_LIFETIME=settings.session_lifetime,
        WTF_CSRF_ENABLED=settings.csrf,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session, which expires
        WTF_CSRF_SSL_STRICT=False,  # no Referer is sent (Referrer-Policy no-referrer)
        MAX_CONTENT_LENGTH=MAX_REQUEST_BODY,
    )
    app.jinja_env.autoescape = True
    app.extensions[EXTENSION_KEY] = services or settings.default_services()
    app.extensions["piranha_web.settings"] = settings
    api.install(app)  # token authentication of /api/ runs before the session login check
    security.install(app, settings)
    errors.install(app)
    templating.install(app)
    devices.install(app)
    traffic_charts.install(app)
    for name in BLUEPRINTS:
        app.register_blueprint(import_module(f"piranha_web.web.{name}.views").bp)

    @app.get("/")
    def home() -> Response:
        return redirect(url_for("virtual.index"))

    return app
