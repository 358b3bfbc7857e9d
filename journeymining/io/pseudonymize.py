"""Keyed pseudonymisation of identifier columns (HMAC-SHA256).

The same value and key always give the same pseudonym, so journeys stay linkable across runs and
files; without the key a pseudonym cannot be reversed or recomputed from a guessed value.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

import pandas as pd

from journeymining.core.errors import MappingError


def load_key(*, key_env=None, key_file=None) -> bytes:
    """Read the secret key from an environment variable or a file.

    Raises
    ------
    MappingError
        When neither source holds a key, or the key is shorter than 16 bytes or only whitespace.
    """
    if key_env:
        value = os.environ.get(key_env, "")
        if value:
            return _strong(value.encode("utf-8"), f"the environment variable {key_env!r}")
        if not key_file:
            raise MappingError(
                f"pseudonymize.key_env names the environment variable {key_env!r}, which is not set or "
                f"empty. Set it to a secret (e.g. export {key_env}=$(openssl rand -hex 32)) and keep it: "
                "the same key gives the same pseudonyms."
            )
    if key_file:
        path = Path(key_file)
        if not path.exists():
            raise MappingError(f"pseudonymize.key_file {key_file!r} does not exist. Create it with a secret key.")
        value = path.read_bytes().strip()
        if not value:
            raise MappingError(f"pseudonymize.key_file {key_file!r} is empty. Write a secret key into it.")
        return _strong(value, f"the key file {key_file!r}")
    raise MappingError("pseudonymize needs key_env or key_file.")


#: shortest key accepted: a short key is found by guessing from one known (value, pseudonym) pair
MIN_KEY_BYTES = 16


def _strong(value, where):
    """Refuse keys shorter than MIN_KEY_BYTES or made of spaces only (the key itself is never shown)."""
    if not value.strip():
        raise MappingError(f"The pseudonymisation key in {where} is only whitespace. Use a random secret, e.g. "
                           "openssl rand -hex 32.")
    if len(value) < MIN_KEY_BYTES:
        raise MappingError(
            f"The pseudonymisation key in {where} is {len(value)} bytes; at least {MIN_KEY_BYTES} are needed "
            "(a short key can be guessed from one known value and its pseudonym). Use a random secret, e.g. "
            "openssl rand -hex 32.")
    return value


def pseudonymize(values: pd.Series, key: bytes, *, domain="", length=16) -> pd.Series:
    """Replace each non-missing value by ``HMAC-SHA256(key, domain + NUL + value)`` in hex.

    ``domain`` separates kinds of identifiers: the same raw value in two domains (a customer
    and an agent both called "Value 1") gets two unrelated pseudonyms. Work grows with the number
    of distinct values, not rows. Missing values stay missing.

    Examples
    --------
    >>> s = pd.Series(["alice", "bob", "alice", None])
    >>> out = pseudonymize(s, b"secret")
    >>> out[0] == out[2], out[0] != out[1], pd.isna(out[3]), len(out[0])
    (True, True, True, 16)
    >>> pseudonymize(s, b"secret", domain="agent")[0] != out[0]
    True
    """
    if not isinstance(key, bytes) or not key:
        raise MappingError("pseudonymize needs a non-empty bytes key.")
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    digests = [
        hmac.new(key, f"{domain}\x00{u}".encode("utf-8"), hashlib.sha256).hexdigest()[:length] for u in uniques
    ]
    table = pd.array(digests + [None], dtype="object")
    out = table[codes]  # code -1 picks the trailing None
    return pd.Series(out, index=values.index, name=values.name, dtype="object")
