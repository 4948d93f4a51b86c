"""CSRF protection for the pages' forms: a double-submit token.

Why this scheme: the pages keep no server-side session, and a double-submit token
needs none. A random token lives in a ``SameSite=Strict``, ``HttpOnly`` cookie and in
a hidden field of every form; a POST is accepted only when both are present and
equal. Another site can make a browser send the cookie (not with SameSite=Strict,
and never read it), but cannot know its value to put it in the form.
"""

from __future__ import annotations

import secrets

from fastapi import Request, Response

COOKIE = "cc_csrf"
FIELD = "csrf_token"


class CSRFRefused(Exception):
    """A form arrived without the token of the cookie: refused with a 403."""


def token_for(request: Request) -> str:
    """The visitor's token (the cookie's, or a new one that :func:`set_cookie` sends)."""
    current = request.cookies.get(COOKIE, "")
    if len(current) == 43 and current.replace("-", "").replace("_", "").isalnum():
        return current
    token: str = getattr(request.state, "csrf_new", "") or secrets.token_urlsafe(32)
    request.state.csrf_new = token
    return token


def set_cookie(request: Request, response: Response) -> None:
    """Send the token chosen while rendering, if it is new."""
    token = getattr(request.state, "csrf_new", "")
    if token:
        response.set_cookie(
            COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )


def check(request: Request, presented: str | None) -> None:
    """Refuse a form whose token is missing or differs from the cookie's."""
    cookie = request.cookies.get(COOKIE)
    if not cookie or not presented or not secrets.compare_digest(cookie, presented):
        raise CSRFRefused
