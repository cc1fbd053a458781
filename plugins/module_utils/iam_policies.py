# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""IAM's grammar for policy names, policy ARNs and policy documents, checked in one place before any AWS call.

Pure Python, no AWS call and no boto3, so that modules, filter plugins and
tests use the same rules:

- ``policy_reference_problem(policy)``: a managed policy given by name or ARN.
- ``policy_arn(policy, partition)``: the ARN of a managed policy given either way.
- ``inline_policy_name_problem(name)``: the name of an inline policy.
- ``load_policy_document(document, label)``: a dict or JSON text parsed, and
  its problems; ``policy_document_problems(document, label, kind)`` the
  problems only. ``kind`` is ``identity`` (inline and managed policies: Action
  and Resource), or ``trust`` (a role's trust policy: Action and Principal).

Every message starts with ``label`` and says what to change.
"""

import json
import re

# IAM's own patterns; re.ASCII because IAM's \w is ASCII only.
_POLICY_ARN = re.compile(r"arn:aws[a-z-]*:iam::(aws|\d{12}):policy/([\w+=,.@-]+/)*[\w+=,.@-]+", re.ASCII)
_POLICY_NAME = re.compile(r"([\w+=,.@-]+/)*[\w+=,.@-]+", re.ASCII)
_INLINE_POLICY_NAME = re.compile(r"[\w+=,.@-]{1,128}", re.ASCII)

VERSIONS = ("2012-10-17", "2008-10-17")
EFFECTS = ("Allow", "Deny")
_STATEMENT_KEYS = {"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource"}
_STATEMENT_KEYS.add("Condition")
_DOCUMENT_KEYS = {"Version", "Id", "Statement"}
# IAM counts a role's inline policies together, without white space.
INLINE_POLICIES_MAX_CHARACTERS = 10240


def policy_reference_problem(policy):
    """Why ``policy`` is neither a managed policy name nor an IAM policy ARN; None when it is one."""
    if policy.startswith("arn:"):
        if not _POLICY_ARN.fullmatch(policy):
            return f"{policy!r} is not an IAM managed policy ARN (arn:aws:iam::aws:policy/NAME)"
    elif not _POLICY_NAME.fullmatch(policy):
        return f"{policy!r} is not a managed policy name; give a name such as ReadOnlyAccess or a full ARN"
    return None


def policy_arn(policy, partition="aws"):
    """A full ARN for a managed policy given by name (AWS managed) or ARN."""
    if policy.startswith("arn:"):
        return policy
    return f"arn:{partition}:iam::aws:policy/{policy}"


def inline_policy_name_problem(name):
    """Why ``name`` cannot name an inline policy; None when it can."""
    if not isinstance(name, str) or not _INLINE_POLICY_NAME.fullmatch(name):
        return f"inline policy name {name!r} must be 1 to 128 letters, digits or +=,.@_- characters"
    return None


def load_policy_document(document, label):
    """``(policy, problems)``: the document as a dict (None when it cannot be read) and its grammar problems.

    ``document`` is a dict or its JSON text; ``label`` names it in the messages.
    """
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError as e:
            return None, [f"{label} is not valid JSON ({e}): give a dict, or the policy's JSON text"]
    if not isinstance(document, dict):
        return None, [f"{label} must be a policy document (a dict with Version and Statement, or its JSON text)"]
    return document, []


def policy_document_problems(document, label, kind="identity"):
    """Every way ``document`` breaks IAM's policy grammar, each starting with ``label``. [] when it is fine.

    ``kind`` ``identity``: statements need Action (or NotAction) and Resource (or
    NotResource), no Principal. ``trust``: Action and Principal (or
    NotPrincipal), no Resource.
    """
    policy, problems = load_policy_document(document, label)
    if policy is None:
        return problems
    unknown = sorted(set(policy) - _DOCUMENT_KEYS)
    if unknown:
        problems.append(f"{label} has keys IAM does not know: {', '.join(unknown)} (only Version, Id, Statement)")
    version = policy.get("Version")
    if version is None:
        problems.append(f'{label} has no Version: add "Version": "2012-10-17"')
    elif version not in VERSIONS:
        problems.append(f'{label}: Version {version!r} must be "2012-10-17" (or the older "2008-10-17")')
    statements = policy.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        problems.append(f"{label} needs a Statement: a list of statements (or one statement as a dict)")
        return problems
    for number, statement in enumerate(statements, 1):
        problems.extend(_statement_problems(statement, f"{label} statement {number}", kind))
    return problems


def _statement_problems(statement, where, kind):
    if not isinstance(statement, dict):
        return [f"{where} must be a dict with Effect, Action and {'Principal' if kind == 'trust' else 'Resource'}"]
    if statement.get("Sid") is not None:
        where = f"{where} ({statement['Sid']})"
    problems = []
    unknown = sorted(set(statement) - _STATEMENT_KEYS)
    if unknown:
        problems.append(f"{where} has keys IAM does not know: {', '.join(map(str, unknown))}")
    effect = statement.get("Effect")
    if effect not in EFFECTS:
        shown = "no Effect" if effect is None else f"Effect {effect!r}"
        problems.append(f"{where} has {shown}: Effect must be Allow or Deny")
    problems.extend(_pair_problems(statement, where, "Action", "NotAction"))
    if kind == "trust":
        problems.extend(_pair_problems(statement, where, "Principal", "NotPrincipal", values=False))
        if "Resource" in statement or "NotResource" in statement:
            problems.append(f"{where}: a trust policy names no Resource (the role is the resource): remove it")
    else:
        problems.extend(_pair_problems(statement, where, "Resource", "NotResource"))
        if "Principal" in statement or "NotPrincipal" in statement:
            problems.append(f"{where}: a policy attached to a role names no Principal: remove it")
    condition = statement.get("Condition")
    if condition is not None and not isinstance(condition, dict):
        problems.append(f"{where}: Condition must be a dict of operators, such as StringEquals")
    return problems


def _pair_problems(statement, where, key, not_key, values=True):
    given = [k for k in (key, not_key) if k in statement]
    if not given:
        return [f"{where} has no {key} (or {not_key})"]
    if len(given) == 2:
        return [f"{where} has both {key} and {not_key}: keep one"]
    value = statement[given[0]]
    if values:
        items = value if isinstance(value, list) else [value]
        if not items or not all(isinstance(item, str) and item for item in items):
            return [f'{where}: {given[0]} must be a string or a list of strings, such as "s3:GetObject"']
    elif not (value == "*" or (isinstance(value, dict) and value)):
        return [f'{where}: {given[0]} must be "*" or a dict such as {{"AWS": "arn:aws:iam::123456789012:root"}}']
    return []


def document_size(document):
    """The characters IAM counts for a policy: its JSON without white space."""
    return len(re.sub(r"\s+", "", json.dumps(document, separators=(",", ":"))))
