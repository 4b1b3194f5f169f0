"""Access rules as decorators: one place answers 401/403 for pages and the API."""

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from .models import Role


def role_required(role: Role) -> Callable:
    """Let only logged-in users of the given role through (others get 403)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role is not role:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def staff_required(view: Callable) -> Callable:
    """Let only staff through (others get 403)."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_staff:
            abort(403)
        return view(*args, **kwargs)

    return wrapped
