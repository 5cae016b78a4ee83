"""WSGI entry point for gunicorn: ``gunicorn assetmap.wsgi:app``."""
from . import create_app

app = create_app()
