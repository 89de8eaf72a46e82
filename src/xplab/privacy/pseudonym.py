"""Pseudonyms by keyed hashing, and why a plain hash is not one.

A pseudonym replaces an identifier in every table that does not need the real
one. It must be *stable* (the same customer gets the same pseudonym in every
table, so joins still work) and *not reversible* by anyone without a secret.
A plain SHA-256 of the id is stable but reversible: ids come from a small,
guessable space (customer numbers 12346–18287, phone numbers, e-mails from a
leak), so an attacker hashes every candidate and looks the digests up
(:func:`dictionary_attack`). HMAC-SHA-256 with a secret key (RFC 2104) is
stable for one key and cannot be recomputed without the key; pseudonyms made
with different keys cannot be linked through the pseudonyms themselves —
rotate the key per data release or per partner. (The rows can still be
linked through what else they hold: a rare purchase history is as good as a
name; see :mod:`~xplab.privacy.anonymity`.)

Pseudonymised data are still personal data under the GDPR (Art. 4(5),
Recital 26): the key holder can re-identify them. Keep the key apart from the
data. Deleting the key stops re-identification *through the key*, but does not
by itself make the data anonymous: a row can still be singled out or linked
through its contents, and Recital 26 counts every means reasonably likely to
be used.

An id is hashed as text: an integer as its decimal digits (``17850`` and
``"17850"`` are one id, as in :func:`xplab.assign.assign`), a string exactly
as given. So ``"017850"``, ``" 17850"`` and ``"17850"`` are three different
ids, and ``"A@x.com"`` is not ``"a@x.com"``: leading zeros can be significant
(account numbers, postcodes), so they are never stripped silently — normalise
ids once, the same way in every table (strip spaces, lower-case e-mails),
before pseudonymising.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from ..assign import _unit_keys

__all__ = ["dictionary_attack", "plain_hash", "pseudonymize"]

#: Shortest key accepted: 128 bits, the security level of the 32-hex-digit pseudonyms.
MIN_KEY_BYTES = 16


def _key_bytes(key: Any) -> bytes:
    if isinstance(key, str):
        key = key.encode("utf-8")
    if not isinstance(key, bytes | bytearray):
        raise TypeError(
            f"key must be bytes or a string (a secret, e.g. secrets.token_bytes(32)), got {type(key).__name__}"
        )
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(
            f"key must be at least {MIN_KEY_BYTES} bytes, got {len(key)}: a short key can be "
            "guessed; use secrets.token_bytes(32)"
        )
    return bytes(key)


def _check_length(length: Any) -> int:
    if isinstance(length, bool) or not isinstance(length, int | np.integer):
        raise ValueError(f"length must be a whole number of hex digits, got {length!r}")
    if not 16 <= int(length) <= 64:
        raise ValueError(f"length must be between 16 and 64 hex digits, got {length}")
    return int(length)


def _shape_like(ids: Any, digests: list[str], many: bool) -> Any:
    if not many:
        return digests[0]
    if isinstance(ids, pd.Series):
        return pd.Series(digests, index=ids.index, name=ids.name, dtype="str")
    if isinstance(ids, pd.Index):
        return pd.Index(digests, name=ids.name, dtype="str")
    return np.array(digests, dtype=object)


def pseudonymize(ids: Any, key: bytes | str, *, length: int = 32) -> Any:
    """Keyed pseudonyms: HMAC-SHA-256(key, id), as hex.

    Parameters
    ----------
    ids : str, int or a 1-D collection of them (list, array, Series, Index)
        Identifiers. An integer and its decimal string are the same id (``7``
        and ``"7"``), as in :func:`xplab.assign.assign`; other strings are
        taken exactly as given (``"007"`` is not ``7``; see the module notes).
        Pandas nullable, categorical and string columns are read by value.
        Missing ids (None, NaN, ``pd.NA``) are refused rather than given a
        shared pseudonym.
    key : bytes or str
        The secret, at least 16 bytes (``secrets.token_bytes(32)``). Keep it
        out of the data; a new key gives unlinkable pseudonyms.
    length : int
        Hex digits kept (16–64). 32 digits = 128 bits: among 10⁹ ids the
        chance that two share a pseudonym is about 10⁻²¹. 16 digits = 64 bits:
        among 10⁹ ids it is about 3 % (n²/2⁶⁵), and two people sharing a
        pseudonym are merged in every join and erased together.

    Returns
    -------
    str, or the same kind of collection (a Series keeps its index)

    Examples
    --------
    >>> pseudonymize(17850, key=b"0123456789abcdef")
    'd86d7e407d62db01e3428fb9eb2079b9'
    >>> pseudonymize("17850", key=b"0123456789abcdef") == pseudonymize(17850, key=b"0123456789abcdef")
    True
    >>> pseudonymize(17850, key=b"another key, 16+") == pseudonymize(17850, key=b"0123456789abcdef")
    False
    """
    secret = _key_bytes(key)
    n = _check_length(length)
    keys, many = _unit_keys(ids, "ids")
    return _shape_like(ids, _hmac_hex(secret, keys, n), many)


def _hmac_hex(secret: bytes, keys: list[bytes], n: int) -> list[str]:
    """HMAC-SHA-256 of each key, hex, first ``n`` digits. The keyed state is set
    up once and copied per id (the same digest as ``hmac.new``, twice as fast)."""
    base = hmac.new(secret, digestmod=hashlib.sha256)
    out = []
    for k in keys:
        h = base.copy()
        h.update(k)
        out.append(h.hexdigest()[:n])
    return out


def plain_hash(ids: Any, *, length: int = 32) -> Any:
    """SHA-256 of each id, as hex: **not** a pseudonym (see :func:`dictionary_attack`).

    Here to show the mistake; the ids are encoded as in :func:`pseudonymize`.

    Examples
    --------
    >>> plain_hash(17850)[:12]
    '8072f6579de3'
    """
    n = _check_length(length)
    keys, many = _unit_keys(ids, "ids")
    return _shape_like(ids, [hashlib.sha256(k).hexdigest()[:n] for k in keys], many)


def dictionary_attack(
    hashed: Iterable[str],
    candidates: Iterable[Any],
    *,
    hasher: Callable[[Any], Any] = plain_hash,
) -> dict[str, Any]:
    """Reverse hashes by hashing every candidate id: the attack on plain hashing.

    Parameters
    ----------
    hashed : iterable of str
        The "anonymised" ids of a leaked table.
    candidates : iterable of ids
        What the attacker can enumerate: every customer number in a range,
        every phone number of a region, every e-mail of another leak.
    hasher : callable
        How the attacker hashes a collection of candidates; the default is the
        plain hash. With :func:`pseudonymize`'s HMAC the attacker would need
        the key.

    Returns
    -------
    dict
        ``{hash: id}`` for every hash recovered.

    Examples
    --------
    >>> leaked = plain_hash([12350, 17850])
    >>> sorted(dictionary_attack(leaked, range(12346, 18288)).values())
    [12350, 17850]
    >>> secret = pseudonymize([12350, 17850], key=b"0123456789abcdef")
    >>> len(dictionary_attack(secret, range(12346, 18288)))
    0
    """
    if isinstance(hashed, str | bytes) or not isinstance(hashed, Iterable):
        raise TypeError(f"hashed must be a collection of hashes, got {hashed!r:.40}")
    if not callable(hasher):
        raise TypeError(f"hasher must be a function, got {type(hasher).__name__}")
    targets = {str(h) for h in hashed}
    pool = list(candidates)
    if not pool:
        raise ValueError("candidates must hold at least one id")
    digests = hasher(pool)
    return {d: c for d, c in zip(digests, pool, strict=True) if d in targets}
