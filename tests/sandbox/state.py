"""Sandbox state that no AWS API can set, keyed by account ID.

``apply`` takes one account's settings (the body of ``POST /_sandbox/state``);
stand-ins read them back with ``get``. Organization placement goes straight
into moto's organizations backend so that members keep the IDs they were
given, as a real organization's accounts do.

Stand-ins add keys of their own with ``register`` (a default and a check that
turns the posted value into what is stored, or raises StateError); the keys
and their payloads are listed in the server's docstring. A stand-in that keeps
state of its own (module-level, lowercase ``_name`` containers) registers how
to empty it with ``on_reset``; ``reset`` empties everything, and
``leftovers`` names any such container still holding something afterwards.
"""

from __future__ import annotations

import collections
import copy
import re
import sys
import threading
from unittest import mock

from moto.iam import models as iam_models
from moto.iam.models import iam_backends
from moto.organizations import models as org_models
from moto.organizations.models import organizations_backends

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_PLANS = ("FREE", "PAID")
_ORG_ROLES = ("management", "member")
_KEYS = {"account_id", "root_mfa", "plan", "org_role", "name", "email", "unreachable"}

_lock = threading.Lock()
_accounts: dict[str, dict] = {}
# Keys the stand-ins add: name -> (default, check(account_id, value) -> value to store, or NOT_STORED).
_extensions: dict[str, tuple] = {}
NOT_STORED = object()


def register(key: str, default, check) -> None:
    """A state key of a stand-in: ``check(account_id, value)`` validates the posted value and returns what to
    store (``NOT_STORED`` when it keeps the value itself, as CloudTrail's events are); ``default`` is what ``get``
    says before it is set."""
    _extensions[key] = (default, check)


_management: dict[str, str] = {}  # "account_id" of the organization's management account, once made
_resets: list = []  # the stand-ins' own reset functions (on_reset)


def on_reset(reset_function) -> None:
    """``reset_function()`` empties a stand-in's own state; ``reset`` calls it."""
    _resets.append(reset_function)


def reset() -> None:
    """Every account's state and the stand-ins' own state as a new sandbox has them (moto's backends are the
    server's to reset)."""
    with _lock:
        _accounts.clear()
        _management.clear()
    for reset_function in _resets:
        reset_function()


def leftovers() -> list[str]:
    """Module-level state (a lowercase ``_name`` dict, list, set or deque of this module or a stand-in) that is
    not empty: after ``reset``, state a stand-in forgot to register with ``on_reset``."""
    kinds = (dict, list, set, collections.deque)
    found = []
    for name, module in list(sys.modules.items()):
        if name != __name__ and name != "standins" and not name.startswith("standins."):
            continue
        for attribute, value in vars(module).items():
            private_state = attribute.startswith("_") and not attribute.startswith("__") and attribute[1:].islower()
            if private_state and isinstance(value, kinds) and value and attribute not in _KEPT.get(name, ()):
                found.append(f"{name}.{attribute}")
    return sorted(found)


# Registries filled once at import, not state: what leftovers() does not report.
_KEPT = {__name__: ("_extensions", "_resets")}


class StateError(ValueError):
    """A control request the sandbox cannot honour."""


def default_state() -> dict:
    # A new AWS account: paid plan (the sandbox stands for a production org), no root MFA.
    defaults = {"root_mfa": False, "plan": "PAID", "unreachable": False}
    defaults.update((key, copy.deepcopy(default)) for key, (default, _check) in _extensions.items())
    return defaults


def get(account_id: str) -> dict:
    with _lock:
        return copy.deepcopy({**default_state(), **_accounts.get(account_id, {})})


def management_account_id() -> str | None:
    """The sandbox organization's management account, once placed (``org_role: management``)."""
    return _management.get("account_id")


def snapshot() -> dict:
    with _lock:
        return {account_id: {**default_state(), **values} for account_id, values in _accounts.items()}


def account_for_access_key(access_key: str) -> str:
    return iam_models.get_account_id_from(access_key)


def apply(payload: dict) -> dict:
    if not isinstance(payload, dict):
        raise StateError("body must be a JSON object")
    unknown = set(payload) - _KEYS - set(_extensions)
    if unknown:
        raise StateError(f"unknown keys {sorted(unknown)}; allowed: {sorted(_KEYS | set(_extensions))}")
    account_id = str(payload.get("account_id", ""))
    if not _ACCOUNT_ID.match(account_id):
        raise StateError("account_id must be 12 digits")
    for flag in ("root_mfa", "unreachable"):
        if flag in payload and not isinstance(payload[flag], bool):
            raise StateError(f"{flag} must be true or false")
    if "plan" in payload and payload["plan"] not in _PLANS:
        raise StateError(f"plan must be one of {_PLANS}")
    if "org_role" in payload and payload["org_role"] not in _ORG_ROLES:
        raise StateError(f"org_role must be one of {_ORG_ROLES}")
    # Checked (and kept by their stand-in, where it keeps them) before anything is changed.
    extended = {}
    for key in set(payload) & set(_extensions):
        value = _extensions[key][1](account_id, payload[key])
        if value is not NOT_STORED:
            extended[key] = value

    with _lock:
        if "org_role" in payload:
            _place_in_organization(account_id, payload)
        if "root_mfa" in payload:
            _reflect_root_mfa(account_id, payload["root_mfa"])
        values = _accounts.setdefault(account_id, {})
        values.update({k: payload[k] for k in ("root_mfa", "plan", "unreachable") if k in payload})
        values.update(extended)
        return {**default_state(), **values}


def _reflect_root_mfa(account_id: str, enabled: bool) -> None:
    # IAM's GetAccountSummary reports root MFA as AccountMFAEnabled; moto keeps
    # it on the account summary and has no API to change it, as AWS has none.
    iam_backends[account_id]["aws"].account_summary._account_mfa_enabled = int(enabled)


def _place_in_organization(account_id: str, payload: dict) -> None:
    name = payload.get("name") or f"account-{account_id}"
    email = payload.get("email") or f"aws+{account_id}@example.com"
    if payload["org_role"] == "management":
        if _management and _management["account_id"] != account_id:
            raise StateError(f"the organization already has management account {_management['account_id']}")
        backend = organizations_backends[account_id]["aws"]
        if backend.org is None:
            backend.create_organization(region="us-east-1", FeatureSet="ALL")
        management = backend.get_account_by_id(account_id)
        management.name, management.email = name, email
        backend.org.master_account_email = email
        _management["account_id"] = account_id
        return

    if not _management:
        raise StateError("place the management account first (org_role: management)")
    backend = organizations_backends[_management["account_id"]]["aws"]
    if any(account.id == account_id for account in backend.accounts):
        return
    # CreateAccount picks a random ID; the sandbox needs the one it was given.
    with mock.patch.object(org_models.utils, "make_random_account_id", return_value=account_id):
        backend.create_account(AccountName=name, Email=email)
