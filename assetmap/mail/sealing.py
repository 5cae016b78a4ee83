"""What keeps addresses and messages private in the queue: Fernet sealing and recipient HMACs, both keyed from
SECRET_KEY (each purpose its own derived key), and the checks an address or a number passes at the edge."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re

from cryptography.fernet import Fernet
from flask import current_app

from .. import parsing
from ..errors import ValidationError

_PHONE_CHARS = re.compile(r"^\+?[0-9 ()-]{7,25}$")


def _derived(purpose: bytes) -> bytes:
    return hashlib.sha256(b"assetmap-mail|" + purpose + b"|" + current_app.config["SECRET_KEY"].encode()).digest()


def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derived(b"seal")))


def seal(payload: dict) -> bytes:
    return _fernet().encrypt(json.dumps(payload, ensure_ascii=True).encode())


def unseal(token: bytes) -> dict:
    return json.loads(_fernet().decrypt(bytes(token)))


def normalise(kind: str, address: str) -> str:
    """An email address as compared (trimmed, lower case) or a phone number as digits with its +."""
    text = (address or "").strip()
    if kind == "email":
        return text.lower()
    digits = re.sub(r"[^0-9]", "", text)
    if text.startswith("+"):
        return "+" + digits
    if digits.startswith("0"):
        return "+44" + digits[1:]
    return "+" + digits


def recipient_hash(kind: str, address: str) -> str:
    """An HMAC (keyed from SECRET_KEY) of the recipient: how hard failures are counted without the address."""
    return hmac.new(_derived(b"recipient"), f"{kind}|{normalise(kind, address)}".encode(), hashlib.sha256).hexdigest()


def checked_email(address) -> str:
    """The address as given (stripped), through the one parsing layer; ValidationError (400) if malformed."""
    return parsing.email(address, required="Enter an email address in the correct format, like name@example.org")


def checked_phone(number) -> str:
    text = number.strip() if isinstance(number, str) else ""
    digits = re.sub(r"[^0-9]", "", text)
    if not _PHONE_CHARS.match(text) or not 10 <= len(digits) <= 15:
        raise ValidationError("Enter a mobile phone number, like 07700 900 982 or +44 7700 900 982", field="phone")
    return normalise("sms", text)
