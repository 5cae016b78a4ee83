"""Accounts and roles, shared by every journey: sign-in, sessions, roles, API tokens, and the admin's users.

What other rooms may use: ``csrf`` and ``limiter`` here, and from ``auth`` the session user
(``SessionUser``, ``Anonymous``) and ``roles_required``. The rest (``views``, ``usecases``, ``store``,
``queries``, ``throttle``) is this room's own.

Libraries: Flask-Login (session user), argon2-cffi (password hashing), Flask-WTF (CSRF on every
form), Flask-Limiter (sign-in rate limit).
"""

from __future__ import annotations

from flask import g
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)
login_manager = LoginManager()


def init_app(app) -> None:
    from . import auth, cli, jobs, usecases, views  # noqa: F401 - jobs registers its scheduled work on import

    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = "Sign in to continue."
    login_manager.session_protection = "strong"
    auth.init_app(app)
    app.register_blueprint(views.bp)
    app.cli.add_command(cli.users)

    @app.after_request
    def _save_token_use(resp):
        # a request authenticated by an API token saves when the token was last used, read-only requests too;
        # a refused or failed one writes nothing (the hostile-input suites check that), so not after a 4xx or 5xx
        token_id = g.pop("api_token_used", None)
        if token_id is not None and resp.status_code < 400:
            usecases.token_used(token_id)
        return resp
