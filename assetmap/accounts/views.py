"""Sign in and sign out."""

from __future__ import annotations

import logging

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask import session as cookie_session
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length, StopValidation

from .. import parsing
from ..db import session
from ..errors import ValidationError
from ..models import User
from . import limiter, throttle
from .auth import sign_in as start_session
from .auth import sign_out as end_session
from .auth import unusable_hash, verify_password

bp = Blueprint("accounts", __name__)
log = logging.getLogger("assetmap.auth")

HOME_BY_ROLE = {
    "practitioner": "practitioners.search",
    "coordinator": "upkeep.review_queue",
    "admin": "upkeep.review_queue",
    "commissioner": "coverage.coverage",
}


def _email_shape(form, field) -> None:
    """The edge's email check: the length bound first, then one linear pass (no backtracking pattern)."""
    try:
        parsing.email(field.data, "email")
    except ValidationError as exc:
        raise StopValidation(exc.message) from None


class SignInForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired("Enter your email address"), _email_shape])
    password = PasswordField("Password", validators=[DataRequired("Enter your password"), Length(max=200)])


def _safe_next(target: str | None) -> str | None:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit("10 per minute; 50 per hour", methods=["POST"])
@parsing.body_limit(parsing.SMALL_FORM_BYTES)
def sign_in():
    form = SignInForm()
    timed_out = cookie_session.pop("timed_out", False)
    error, wait = None, None
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        # counted in the database per email and per address, so the limits hold across every worker
        wait = throttle.locked(email, request.remote_addr)
        user = None if wait else session.execute(select(User).where(User.email == email)).scalar_one_or_none()
        # an unknown email costs the same hash check as a known one, so timing does not tell them apart
        right = not wait and verify_password(user.password_hash if user else unusable_hash(), form.password.data)
        if wait:
            log.warning("sign-in refused", extra={"reason": "cooling off"})
        elif user is None or not user.active or not right:
            log.warning("sign-in failed", extra={"reason": "bad credentials"})
            wait = throttle.failed(email, request.remote_addr)
        else:
            start_session(user)
            throttle.forget_account(email)
            session.commit()
            log.info("sign-in", extra={"user_id": str(user.id), "role": user.role})
            nxt = _safe_next(request.args.get("next"))
            endpoint = HOME_BY_ROLE.get(user.role, "practitioners.search")
            try:
                home = url_for(endpoint)
            except Exception:  # the area may not be installed in this build
                home = url_for("web.accessibility")
            return redirect(nxt or home)
        if wait is None:
            error = "Enter a correct email address and password"
    if wait is not None:
        return (
            render_template("accounts/sign_in.html", form=form, error=wait.message, timed_out=timed_out),
            429,
            {"Retry-After": str(int(wait.seconds) + 1)},
        )
    status = 400 if (form.errors or error) else 200
    return render_template("accounts/sign_in.html", form=form, error=error, timed_out=timed_out), status


@bp.post("/sign-out")
def sign_out():
    end_session()
    flash("You have signed out.")
    return redirect(url_for("accounts.sign_in"))
