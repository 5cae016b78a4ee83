"""Accounts pages: sign in and out, everyone's own account (password, API tokens), and the admin's users
and their ward and constituency assignments."""

from __future__ import annotations

import logging
import uuid

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask import session as cookie_session
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length, StopValidation

from .. import parsing
from ..directory import access
from ..errors import ValidationError
from ..once import FIELD as FORM_TOKEN
from ..once import once
from ..vocabulary import ROLES
from ..web import error_map
from . import limiter, queries, usecases
from .auth import roles_required
from .auth import sign_out as end_session

bp = Blueprint("accounts", __name__)
log = logging.getLogger("assetmap.auth")

HOME_BY_ROLE = {
    "practitioner": "practitioners.search",
    "coordinator": "upkeep.review_queue",
    "admin": "upkeep.review_queue",
    "commissioner": "coverage.coverage",
}
#: the user form: an email, a name, a role and the ticked wards (a few KB even with every ward ticked)
USER_FORM_BYTES = 64 * 1024


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
        result = usecases.sign_in(form.email.data, form.password.data, request.remote_addr)
        if result.user is not None:
            nxt = _safe_next(request.args.get("next"))
            endpoint = HOME_BY_ROLE.get(result.user.role, "practitioners.search")
            try:
                home = url_for(endpoint)
            except Exception:  # the area may not be installed in this build
                home = url_for("web.accessibility")
            return redirect(nxt or home)
        wait = result.wait
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


# --------------------------------------------------------------------------- the admin's users


def _user_form(template: str, values: dict, errors: list, status: int = 200, **extra):
    return render_template(
        template,
        values=values,
        errors=errors,
        error_map=error_map(errors),
        role_items=ROLES.choices(),
        ward_groups=access.wards_by_council(),
        constituencies=queries.constituencies(),
        **extra,
    ), status


def _posted_user() -> dict:
    f = request.form
    return {
        "email": f.get("email", "").strip(),
        "name": f.get("name", "").strip(),
        "role": f.get("role", ""),
        "wards": f.getlist("wards"),
        "constituencies": f.getlist("constituencies"),
        "active": f.get("active", "yes") == "yes",
    }


def _errors(exc: ValidationError) -> list[tuple[str, str]]:
    field = {"areas": "wards"}.get(exc.field or "", exc.field or "")
    return [(field, exc.message)]


@bp.get("/admin/users")
@roles_required("admin")
def admin_users():
    return render_template(
        "accounts/users.html", users=queries.users(), role_labels=ROLES.labels, area_names=queries.area_names()
    )


@bp.route("/admin/users/new", methods=["GET", "POST"])
@roles_required("admin")
@parsing.body_limit(USER_FORM_BYTES)
def admin_new_user():
    if request.method == "GET":
        return _user_form(
            "accounts/user_form.html",
            {"role": "practitioner", "wards": [], "constituencies": [], "active": True},
            [],
            user=None,
        )
    values = _posted_user()
    if values["role"] != "coordinator":
        values["wards"], values["constituencies"] = [], []
    try:
        with once("user", request.form.get(FORM_TOKEN), fallback=url_for("accounts.admin_users")) as claim:
            user, sent = usecases.invite_user(
                values["email"],
                values["role"],
                name=values["name"],
                wards=values["wards"],
                constituencies=values["constituencies"],
            )
            claim.send_to(url_for("accounts.admin_user", user_id=user.id))
    except ValidationError as exc:
        return _user_form("accounts/user_form.html", values, _errors(exc), 400, user=None)
    log.info("user invited", extra={"user_id": str(user.id), "role": user.role, "by": str(current_user.id)})
    flash(
        f"{user.email} has been invited: they will get an email with a link to choose their password."
        if sent
        else f"The account for {user.email} was made, but that address has unsubscribed from account emails."
    )
    return redirect(url_for("accounts.admin_user", user_id=user.id))


@bp.route("/admin/users/<uuid:user_id>", methods=["GET", "POST"])
@roles_required("admin")
@parsing.body_limit(USER_FORM_BYTES)
def admin_user(user_id):
    user = queries.user(user_id)
    if request.method == "GET":
        values: dict = {
            "email": user.email,
            "name": user.name,
            "role": user.role,
            "active": user.active,
            "wards": [a.area_code for a in user.areas if a.area_type == "ward"],
            "constituencies": [a.area_code for a in user.areas if a.area_type == "constituency"],
        }
        return _user_form("accounts/user_form.html", values, [], user=user)
    values = {**_posted_user(), "email": user.email}
    if values["role"] != "coordinator":
        values["wards"], values["constituencies"] = [], []
    try:
        usecases.change_user(
            user_id,
            values["role"],
            values["wards"],
            values["constituencies"],
            active=values["active"],
            name=values["name"],
        )
    except ValidationError as exc:
        return _user_form("accounts/user_form.html", values, _errors(exc), 400, user=user)
    log.info(
        "user changed",
        extra={"user_id": str(user_id), "role": values["role"], "active": values["active"], "by": str(current_user.id)},
    )
    flash(f"{user.email} has been updated.")
    return redirect(url_for("accounts.admin_users"))


@bp.post("/admin/users/<uuid:user_id>/reset-password")
@roles_required("admin")
def admin_reset_password(user_id):
    """Send the person a link to set a new password: the administrator never sees one."""
    back = url_for("accounts.admin_user", user_id=user_id)
    with once("password-link", request.form.get(FORM_TOKEN), fallback=back):
        user, sent = usecases.send_password_link(user_id)
    log.info("password link sent by an admin", extra={"user_id": str(user_id), "by": str(current_user.id)})
    flash(
        f"{user.email} will get an email with a link to set a new password. Their password works until they do."
        if sent
        else f"{user.email} has unsubscribed from account emails, so no link was sent."
    )
    return redirect(back)


# --------------------------------------------------------------------------- links by email: no password shown


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit("5 per minute; 20 per hour", methods=["POST"])
@parsing.body_limit(parsing.SMALL_FORM_BYTES)
def forgot_password():
    if request.method == "GET":
        return render_template("accounts/forgot_password.html", errors=[], error_map={}, email="")
    email = request.form.get("email", "")
    try:
        usecases.forgot_password(email)
    except ValidationError as exc:
        errors = [("email", exc.message)]
        return render_template(
            "accounts/forgot_password.html", errors=errors, error_map=error_map(errors), email=email
        ), 400
    return render_template("accounts/forgot_password_sent.html")


@bp.route("/set-password", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
@parsing.body_limit(parsing.SMALL_FORM_BYTES)
def set_password():
    """The link in an invitation or a 'forgot your password' email (the token in the query string or form)."""
    token = request.values.get("t")
    if request.method == "GET":
        user = usecases.account_for_link(token)
        return render_template("accounts/set_password.html", token=token, user=user, errors=[], error_map={})
    try:
        usecases.set_password_from_link(
            token, request.form.get("new_password", ""), request.form.get("confirm_password", "")
        )
    except ValidationError as exc:
        user = usecases.account_for_link(token)
        errors = [(exc.field or "new_password", exc.message)]
        return render_template(
            "accounts/set_password.html", token=token, user=user, errors=errors, error_map=error_map(errors)
        ), 400
    flash("Your password has been set. Sign in with it now.")
    return redirect(url_for("accounts.sign_in"))


@bp.post("/account/digest")
@roles_required("coordinator", "admin")
def account_digest():
    wanted = request.form.get("digest") == "on"
    usecases.set_digest(current_user.id, wanted)
    flash("You will get the daily digest." if wanted else "You will not get the daily digest.")
    return redirect(url_for("accounts.account"))


# --------------------------------------------------------------------------- your account


def _account_page(errors=(), new_token=None, status=200, headers=None):
    user = queries.user(current_user.id)
    names = queries.area_names()
    return (
        render_template(
            "accounts/account.html",
            user=user,
            role_labels=ROLES.labels,
            areas=[(a.area_type, names.get(a.area_code, a.area_code)) for a in queries.user_areas(user.id)],
            tokens=queries.active_tokens(user) if user.role in ("coordinator", "admin") else [],
            wants_digest=usecases.wants_digest(user.id) if user.role in ("coordinator", "admin") else None,
            new_token=new_token,
            errors=list(errors),
            error_map=error_map(errors),
        ),
        status,
        headers or {},
    )


@bp.get("/account")
@roles_required()
def account():
    return _account_page()


def _cooling_off(wait):
    return _account_page(
        [("current_password", wait.message)], status=429, headers={"Retry-After": str(int(wait.seconds) + 1)}
    )


@bp.post("/account/password")
@roles_required()
def change_password():
    """Guessing the current password here is a failed sign-in like any other: counted, and cooled off."""
    f = request.form
    try:
        wait = usecases.change_password(
            current_user.id,
            current_user.email,
            request.remote_addr,
            f.get("current_password", ""),
            f.get("new_password", ""),
            f.get("confirm_password", ""),
        )
    except ValidationError as exc:
        return _account_page([(exc.field or "", exc.message)], status=400)
    if wait is not None:
        return _cooling_off(wait)
    log.info("password changed", extra={"user_id": str(current_user.id)})
    flash("Your password has been changed. Any other signed-in sessions have ended.")
    return redirect(url_for("accounts.account"))


@bp.post("/account/tokens")
@roles_required("coordinator", "admin")
def create_token():
    name = request.form.get("token_name", "").strip()
    if not name:
        return _account_page([("token_name", "Give the token a name, like ‘spreadsheet sync’")], status=400)
    with once("api-token", request.form.get(FORM_TOKEN), fallback=url_for("accounts.account")):
        value = usecases.issue_token(current_user.id, name)
    log.info("api token issued", extra={"user_id": str(current_user.id)})
    return _account_page(new_token=value, headers={"Cache-Control": "no-store"})


@bp.post("/account/tokens/<uuid:token_id>/revoke")
@roles_required("coordinator", "admin")
def revoke_token(token_id: uuid.UUID):
    usecases.revoke_token(current_user.id, token_id)
    log.info("api token revoked", extra={"user_id": str(current_user.id)})
    flash("The token has been revoked. Anything using it can no longer change assets.")
    return redirect(url_for("accounts.account"))
