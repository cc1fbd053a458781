"""The personas role's one module call, diatonic.partnercentral.partnercentral_roles, made in the test's process.

personas_roles() is what roles/personas passes to the module (its catalog merged with the overrides by the
persona_roles filter's Python, with the role's defaults); converge_personas() runs the module with it under an
account's credentials (module_in_process.run_module: the real module, every call over HTTP to the sandbox).
Tests of the module's own behaviour (faults of one call, a policy that does not exist, a rerun that must change
nothing) use these instead of a playbook run.
"""

import os

import yaml
from integration_support import ROOT
from integration_support import account_env
from module_in_process import run_module

from ansible_collections.diatonic.partnercentral.plugins.module_utils import personas

with open(os.path.join(ROOT, "roles", "personas", "defaults", "main.yml")) as _defaults:
    PERSONAS_DEFAULTS = yaml.safe_load(_defaults)


def personas_roles(overrides: dict | None = None) -> list[dict]:
    """The partnercentral_roles items roles/personas converges with these personas_overrides (and its defaults)."""
    return personas.persona_roles(
        PERSONAS_DEFAULTS["personas_catalog"],
        overrides or {},
        PERSONAS_DEFAULTS["personas_tags"],
        PERSONAS_DEFAULTS["personas_path"],
        PERSONAS_DEFAULTS["personas_max_session_duration"],
    )


def converge_personas(
    sandbox, account_id: str, overrides=None, check_mode=False, diff=False, env=None, **options
) -> dict:
    """partnercentral_roles with the persona roles in ``account_id`` (its OrganizationAccountAccessRole's
    credentials unless ``env``), as roles/personas calls it; the module's result."""
    arguments = {"roles": personas_roles(overrides), "expected_account_id": account_id, **options}
    return run_module(
        "partnercentral_roles",
        arguments,
        env if env is not None else account_env(sandbox, account_id),
        check_mode=check_mode,
        diff=diff,
    )
