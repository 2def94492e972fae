"""Reaching a Ray cluster started with `ray start`: its token authentication, as Ray documents it.

Since Ray 2.52 (`pip install 'archlang[ray]'` gives 2.60) a cluster started with `ray start
--head` turns token authentication on and keeps its token in ``~/.ray/auth_token``
(https://docs.ray.io/en/latest/ray-security/token-auth.html). A driver that connects to it
sends the token only in token mode (``RAY_AUTH_MODE=token``), and Ray turns that mode on by
itself only for a cluster it finds without an address (``address="auto"``): with
``--address HOST:PORT`` every connection failed with ``InvalidAuthToken``. So, for an
explicit address, `use_cluster_token` turns token mode on when a token is where Ray reads it
(``RAY_AUTH_TOKEN``, the file ``RAY_AUTH_TOKEN_PATH`` names, or ``~/.ray/auth_token``) and
the user has not chosen a mode; ``RAY_AUTH_MODE=disabled`` still opts out.
"""

from __future__ import annotations

import os
from pathlib import Path

AUTH_MODE = "RAY_AUTH_MODE"
TOKEN = "RAY_AUTH_TOKEN"
TOKEN_PATH = "RAY_AUTH_TOKEN_PATH"

#: said when a connection fails, since Ray's own message does not name authentication
HINT = (f"a cluster started with `ray start` needs its token: on this machine "
        f"~/.ray/auth_token, elsewhere copy it there or set {TOKEN} (or {TOKEN_PATH}); "
        f"`ray get-auth-token` prints it on the head node")


def token_available() -> bool:
    """Whether Ray would find a token: the variable, the file it names, or the default file."""
    if os.environ.get(TOKEN, "").strip():
        return True
    path = os.environ.get(TOKEN_PATH)
    if path:
        return Path(path).expanduser().is_file()
    return (Path.home() / ".ray" / "auth_token").is_file()


def use_cluster_token(address: str | None) -> bool:
    """Turn Ray's token mode on before connecting to `address`; True when it did.

    Nothing changes for a local cluster (no address, or "auto": Ray decides), when the user
    set ``RAY_AUTH_MODE``, or when there is no token to send.
    """
    if address in (None, "", "auto") or os.environ.get(AUTH_MODE) is not None:
        return False
    if not token_available():
        return False
    os.environ[AUTH_MODE] = "token"  # read by Ray's workers this driver starts, too
    try:  # Ray caches its config when imported: reread it, as Ray does when it enables auth
        from ray._raylet import Config

        Config.initialize("")
    except (ImportError, AttributeError):
        pass
    return True
