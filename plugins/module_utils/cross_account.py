# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A role another AWS account assumes with an external ID: its trust policy, its rules, and the masking.

The external ID is a shared secret. It is never shown: ``redact`` replaces it
in every view of the role (diff before and after, result), and an external
ID that differs from the one given (a rotation, or drift) is shown as such,
without its value.
"""

import copy
import re

from ansible_collections.diatonic.partnercentral.plugins.module_utils import iam_roles
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import ACCOUNT_ID

EXTERNAL_ID_KEY = "sts:ExternalId"
MASK = "********"
OTHER_MASK = "******** (another external ID)"
_EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]{2,1224}", re.ASCII)


def trust_policy(partition, trusted_account_id, external_id):
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{partition}:iam::{trusted_account_id}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {EXTERNAL_ID_KEY: external_id}},
            }
        ],
    }


def problems(params):
    """Every problem with the module's options, before any AWS call. The external ID is never echoed."""
    found = [] if params["name"] else ["name must not be empty"]
    found += iam_roles.role_problems(params)
    if params["state"] == "present":
        if not ACCOUNT_ID.fullmatch(params["trusted_account_id"] or ""):
            found.append("trusted_account_id must be the trusted AWS account's 12-digit ID")
        if not _EXTERNAL_ID.fullmatch(params["external_id"] or ""):
            found.append("external_id must be 2 to 1224 letters, digits or +=,.@:/- characters")
    return found


def redactor(external_id):
    """A function hiding every external ID in a role view: the given one as ********, others as such."""

    def mask(value):
        if isinstance(value, list):
            return [mask(item) for item in value]
        if value == external_id:
            return MASK
        return OTHER_MASK

    def redact_document(node):
        if isinstance(node, dict):
            return {
                key: mask(value) if key == EXTERNAL_ID_KEY else redact_document(value) for key, value in node.items()
            }
        if isinstance(node, list):
            return [redact_document(item) for item in node]
        return node

    def redact(view):
        if not view:
            return view
        view = copy.copy(view)
        for key in ("trust_policy", "inline_policies"):
            if view.get(key) is not None:
                view[key] = redact_document(view[key])
        return view

    return redact
