"""Configuration from the environment (twelve-factor): nothing secret is committed."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ASSETMAP_VAR", PROJECT_ROOT / "var"))

ENVIRONMENTS = ("development", "test", "production")


def _dev_secret_key() -> str:
    """A per-checkout random key kept in var/ so sessions survive restarts in development."""
    path = VAR_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def load_config() -> dict:
    """Build the Flask config mapping from environment variables."""
    env = os.environ.get("ASSETMAP_ENV", "development")
    if env not in ENVIRONMENTS:
        raise RuntimeError(f"ASSETMAP_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    production = env == "production"
    secret = os.environ.get("SECRET_KEY")
    if not secret:
        if production:
            raise RuntimeError("SECRET_KEY must be set when ASSETMAP_ENV=production")
        secret = _dev_secret_key()
    return {
        "ENV_NAME": env,
        "PRODUCTION": production,
        "SECRET_KEY": secret,
        "DATABASE_URL": os.environ.get("DATABASE_URL") or None,
        "STATEMENT_TIMEOUT_MS": _int("STATEMENT_TIMEOUT_MS", 15000),
        # read replicas for anonymous reads (assetmap/db.py): URLs separated by commas or spaces
        "DATABASE_REPLICA_URLS": os.environ.get("DATABASE_REPLICA_URLS", ""),
        "REPLICA_MAX_LAG_SECONDS": _int("REPLICA_MAX_LAG_SECONDS", 10),
        "REPLICA_RETRY_SECONDS": _int("REPLICA_RETRY_SECONDS", 5),
        "TILE_URL": os.environ.get("TILE_URL", ""),
        "TILE_ATTRIBUTION": os.environ.get("TILE_ATTRIBUTION", ""),
        "MAX_CONTENT_LENGTH": _int("MAX_UPLOAD_BYTES", 10 * 1024 * 1024),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "SESSION_IDLE_MINUTES": _int("SESSION_IDLE_MINUTES", 30),
        "SESSION_ABSOLUTE_HOURS": _int("SESSION_ABSOLUTE_HOURS", 8),
        "REVIEW_AFTER_MONTHS": _int("REVIEW_AFTER_MONTHS", 6),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        # failed sign-ins, counted in the database across every worker (accounts/throttle.py)
        "SIGNIN_ACCOUNT_LIMIT": _int("SIGNIN_ACCOUNT_LIMIT", 5),
        "SIGNIN_ADDRESS_LIMIT": _int("SIGNIN_ADDRESS_LIMIT", 20),
        "SIGNIN_WINDOW_MINUTES": _int("SIGNIN_WINDOW_MINUTES", 15),
        "SIGNIN_COOLOFF_MINUTES": _int("SIGNIN_COOLOFF_MINUTES", 10),
        "WTF_CSRF_TIME_LIMIT": None,
        "CREATE_DEMO_USERS": not production,
        # number of trusted reverse proxies in front of the app (X-Forwarded-For/Proto)
        "PROXY_HOPS": _int("PROXY_HOPS", 0),
        # the address people reach the service at, for links in emails sent by the job runner
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "").rstrip("/"),
        # mail (assetmap/mail): GOV.UK Notify if NOTIFY_API_KEY, else SMTP if SMTP_URL, else .eml files in var/outbox
        "SMTP_URL": os.environ.get("SMTP_URL", ""),
        "SMTP_CA_FILE": os.environ.get("SMTP_CA_FILE", ""),
        "SMTP_TIMEOUT": _int("SMTP_TIMEOUT", 30),
        "MAIL_FROM": os.environ.get("MAIL_FROM", ""),
        "NOTIFY_API_KEY": os.environ.get("NOTIFY_API_KEY", ""),
        "NOTIFY_TEMPLATE_EMAIL": os.environ.get("NOTIFY_TEMPLATE_EMAIL", ""),
        "NOTIFY_TEMPLATE_SMS": os.environ.get("NOTIFY_TEMPLATE_SMS", ""),
        "NOTIFY_BASE_URL": os.environ.get("NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk"),
        "MAIL_OUTBOX_DIR": os.environ.get("MAIL_OUTBOX_DIR", str(VAR_DIR / "outbox")),
        "MAIL_MAX_ATTEMPTS": _int("MAIL_MAX_ATTEMPTS", 10),
        "MAIL_RETRY_SECONDS": _int("MAIL_RETRY_SECONDS", 60),
        "MAIL_UNREACHABLE_AFTER": _int("MAIL_UNREACHABLE_AFTER", 3),
        "MAIL_KEEP_DAYS": _int("MAIL_KEEP_DAYS", 90),
        "ORGANISER_LINK_DAYS": _int("ORGANISER_LINK_DAYS", 30),
    }
