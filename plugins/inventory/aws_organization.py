# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: aws_organization
short_description: One host per account of an AWS organization
version_added: 0.1.0
description:
  - Reads the accounts of an AWS organization from its management account (or a delegated administrator for
    AWS Organizations) and yields one host per account, as the collection's playbooks expect
    (C(aws_account_id), C(aws_assume_role_arn), C(aws_region); groups C(management), C(partnercentral) and
    C(members)).
  - Every account is also in a group per organizational unit, named after its path from the root
    (C(Root/Workloads/Prod) gives C(ou_root_workloads_prod), a child group of C(ou_root_workloads), itself a child
    of C(ou_root)), and in a group per account state (C(status_active), C(status_suspended),
    C(status_pending_closure), C(status_closed)).
  - "Accounts whose state is not in O(target_states) (by default every account that is not C(ACTIVE), such as a
    suspended or closed one) are only in their status group, so that playbooks targeting C(management),
    C(partnercentral), C(members) or an organizational unit's group never reach them. A play on C(hosts: all)
    still does; target C(management:partnercentral:members) there."
  - "The AWS Organizations calls grow with the pages and the organizational units, never with the accounts:
    C(DescribeOrganization), C(ListRoots), and per organizational unit C(ListOrganizationalUnitsForParent) and
    C(ListAccountsForParent). Only O(include_tags) costs one C(ListTagsForResource) per account. Every call is
    retried with back-off: AWS Organizations throttles hard."
  - With the inventory cache on (O(cache)), a run within O(cache_timeout) makes no AWS call at all.
  - The configuration file's name must end with C(aws_organization.yml) or C(aws_organization.yaml).
  - "The credentials need C(organizations:DescribeOrganization), C(organizations:ListRoots),
    C(organizations:ListOrganizationalUnitsForParent) and C(organizations:ListAccountsForParent), and
    C(organizations:ListTagsForResource) with O(include_tags)."
options:
  plugin:
    description: The name of this plugin; it makes the file a configuration of this inventory source.
    required: true
    type: str
    choices: [diatonic.partnercentral.aws_organization, aws_organization]
  assume_role_name:
    description:
      - The role the playbooks assume in each account, reached from the management account's credentials. Every
        host but the management account gets C(aws_assume_role_arn) naming this role in its account.
      - AWS Organizations creates C(OrganizationAccountAccessRole) in every account it creates; an account invited
        into the organization has it only if someone made it.
      - An empty string gives no host an C(aws_assume_role_arn) (set C(aws_profile) through O(compose), say).
      - A path may come first (C(admin/Auditor)).
    type: str
    default: OrganizationAccountAccessRole
  partnercentral_account:
    description:
      - The account linked to AWS Partner Central, by ID or name (its AWS Organizations account name or host
        name). Its host is in the C(partnercentral) group instead of C(members).
      - It cannot be the management account (Partner Central must be linked to a member account).
      - An account the organization does not have is an error, unless filters may have left it out (then a
        warning).
    type: str
  hostnames:
    description:
      - What names the hosts.
      - C(name) is the account's name made into a host name (lower case, C(-) for anything but letters and digits,
        so C(Prod Workloads) gives C(prod-workloads)); accounts whose names give the same host name get their ID added
        (C(prod-workloads-111122223333)).
      - C(id) is the 12-digit account ID.
    type: str
    choices: [name, id]
    default: name
  account_region:
    description:
      - The C(aws_region) of every host, where the playbooks act in each account.
      - By default the region the plugin connects to (O(region), C(AWS_REGION)), else C(us-east-1).
    type: str
  target_states:
    description:
      - The account states (C(ACTIVE), C(SUSPENDED), C(PENDING_CLOSURE), C(CLOSED), C(PENDING_ACTIVATION)) whose
        accounts go into C(management), C(partnercentral), C(members) and the organizational units' groups.
      - The other accounts are only in their C(status_*) group.
    type: list
    elements: str
    default: [ACTIVE]
  include_organizational_units:
    description:
      - Only accounts in these organizational units or below them, each given by path from the root
        (C(Root/Workloads), any case) or by ID (C(ou-ab12-cdef3456), C(r-ab12)).
      - Organizational units that cannot hold a wanted account are not read.
      - By default every organizational unit.
    type: list
    elements: str
    default: []
  exclude_organizational_units:
    description:
      - No account in these organizational units or below them (path or ID, as O(include_organizational_units)).
        They are not read at all.
    type: list
    elements: str
    default: []
  include_accounts:
    description:
      - Only these accounts, each an account ID, an account name or a shell-style pattern of either
        (C(prod-*)).
      - By default every account.
    type: list
    elements: str
    default: []
  exclude_accounts:
    description:
      - No account matching these IDs, names or patterns (as O(include_accounts)).
    type: list
    elements: str
    default: []
  include_tags:
    description:
      - Add each account's tags as C(aws_account_tags) (a dictionary), for O(keyed_groups) or O(groups).
      - It costs one C(ListTagsForResource) call per account that the filters let in.
    type: bool
    default: false
notes:
  - "Host variables: C(aws_account_id), C(aws_region), C(aws_assume_role_arn) (not for the management account),
    C(aws_account_name), C(aws_account_email), C(aws_account_status) (the account's state, such as C(ACTIVE)),
    C(aws_organizational_unit_id), C(aws_organizational_unit_path), C(aws_organization_id),
    C(aws_management_account_id), and C(aws_account_tags) with O(include_tags)."
  - The cache keeps what was read from AWS Organizations, not the hosts. Changing the names, groups or
    O(target_states) takes effect from the cache; changing what is read (O(include_organizational_units),
    O(exclude_organizational_units), O(include_tags), and with tags the account filters) reads AWS again.
  - Run C(ansible-inventory --flush-cache) to read the organization again before the cache times out.
extends_documentation_fragment:
  - inventory_cache
  - constructed
  - amazon.aws.boto3
  - amazon.aws.common.plugins
  - amazon.aws.region.plugins
  - amazon.aws.assume_role.plugins
author:
  - Diatonic platform engineering (@diatonic)
"""

EXAMPLES = r"""
# inventory/aws_organization.yml: every ACTIVE account of the organization whose management account the
# environment's credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID, ...) belong to.
plugin: diatonic.partnercentral.aws_organization
partnercentral_account: partner-central

---
# From a management account profile, through a read-only role there, the production OU only, tags as groups,
# cached for an hour.
plugin: diatonic.partnercentral.aws_organization
profile: management-sso
assume_role_arn: arn:aws:iam::313476888312:role/OrganizationInventoryReader
partnercentral_account: "210987654321"
include_organizational_units:
  - Root/Workloads/Prod
exclude_accounts:
  - "*-sandbox"
include_tags: true
keyed_groups:
  - key: aws_account_tags.team | default('none')
    prefix: team
compose:
  # The playbooks reach every account through the management account's profile.
  aws_profile: "'management-sso'"
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/ansible-aws-organization
cache_timeout: 3600

---
# Hosts named by account ID, suspended accounts targeted too (they are only in status_suspended otherwise).
plugin: diatonic.partnercentral.aws_organization
hostnames: id
target_states: [ACTIVE, SUSPENDED]
"""

import fnmatch
import re

try:
    import botocore
except ImportError:
    pass  # AWSInventoryBase reports a missing botocore.

from ansible.errors import AnsibleError
from ansible.errors import AnsibleParserError
from ansible_collections.amazon.aws.plugins.plugin_utils.botocore import AnsibleBotocoreError
from ansible_collections.amazon.aws.plugins.plugin_utils.inventory import AWSInventoryBase

from ansible_collections.diatonic.partnercentral.plugins.module_utils.organizations import OrganizationsError
from ansible_collections.diatonic.partnercentral.plugins.module_utils.organizations import read_tree
from ansible_collections.diatonic.partnercentral.plugins.module_utils.retrying import backoff
from ansible_collections.diatonic.partnercentral.plugins.module_utils.retrying import retrying

STATES = ("ACTIVE", "SUSPENDED", "PENDING_CLOSURE", "CLOSED", "PENDING_ACTIVATION")
ROLE_NAME = re.compile(r"[\w+=,.@/-]{1,512}")
UNIT_ID = re.compile(r"(ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}|r-[0-9a-z]{4,32})")
# What the cache holds: bump it when the shape of the tree read_tree returns changes.
CACHE_FORMAT = 1

READ_REMEDY = (
    "The inventory reads AWS Organizations from the organization's management account (or a delegated "
    "administrator for AWS Organizations): give the plugin that account's credentials (profile, access_key and "
    "secret_key, the AWS_* environment variables, or assume_role_arn naming a role there) allowing "
    "organizations:DescribeOrganization, ListRoots, ListOrganizationalUnitsForParent and ListAccountsForParent "
    "(and ListTagsForResource with include_tags)."
)


# --- choosing (pure) -----------------------------------------------------------


def settings_problems(settings):
    """Every problem with the options, before any AWS call."""
    problems = []
    role = settings["assume_role_name"]
    if role and not ROLE_NAME.fullmatch(role.strip("/")):
        problems.append(
            f"assume_role_name {role!r} is not an IAM role name (letters, digits and +=,.@_- , optionally after a "
            "path such as admin/)"
        )
    unknown = [state for state in settings["target_states"] if state not in STATES]
    if unknown:
        problems.append(f"target_states {unknown} are not account states; use some of {list(STATES)}")
    for option in ("include_organizational_units", "exclude_organizational_units"):
        for selector in settings[option]:
            if not str(selector).strip("/ "):
                problems.append(f"{option} holds an empty organizational unit; give a path such as Root/Workloads")
    for option in ("include_accounts", "exclude_accounts"):
        for selector in settings[option]:
            if not str(selector).strip():
                problems.append(f"{option} holds an empty entry; give an account ID, name or pattern")
    return problems


def _path_key(path):
    return "/".join(part.strip().lower() for part in str(path).strip("/ ").split("/"))


def unit_matches(unit, selector):
    """The organizational unit is the one ``selector`` names (by ID or path) or lies below it."""
    selector = str(selector).strip()
    if UNIT_ID.fullmatch(selector):
        return selector in unit["ids"]
    wanted, path = _path_key(selector), _path_key(unit["path"])
    return path == wanted or path.startswith(wanted + "/")


def unit_selection(includes, excludes):
    """``wanted_unit`` for organizations.read_tree: which organizational units to read, from the filters."""
    include_paths = [_path_key(s) for s in includes if not UNIT_ID.fullmatch(str(s).strip())]
    include_ids = [s for s in includes if UNIT_ID.fullmatch(str(s).strip())]

    def wanted_unit(unit):
        if any(unit_matches(unit, selector) for selector in excludes):
            return "skip"
        if not includes or any(unit_matches(unit, selector) for selector in includes):
            return "accounts"
        # A unit named by ID may be anywhere below; one named by path only below the units on its way.
        path = _path_key(unit["path"])
        if include_ids or any(wanted.startswith(path + "/") for wanted in include_paths):
            return "below"
        return "skip"

    return wanted_unit


def account_matches(account, selector):
    selector = str(selector).strip()
    name = account.get("name") or ""
    return (
        fnmatch.fnmatchcase(account["id"], selector)
        or fnmatch.fnmatchcase(name, selector)
        or fnmatch.fnmatchcase(host_slug(name), selector)
    )


def account_selected(account, includes, excludes):
    if includes and not any(account_matches(account, selector) for selector in includes):
        return False
    return not any(account_matches(account, selector) for selector in excludes)


def host_slug(name):
    return re.sub(r"[^a-z0-9]+", "-", (name or "").lower()).strip("-")


def group_slug(text):
    return re.sub(r"[^a-z0-9]+", "_", (text or "").lower()).strip("_")


# A host cannot share its name with a group: Ansible would take one for the other.
GROUP_NAMES = ("all", "ungrouped", "management", "partnercentral", "members")


def host_names(accounts, style):
    """Account ID -> host name: the account's name as a host name, with its ID added when two names collide, or
    when the name is a group's (an account named Management)."""
    if style == "id":
        return {account["id"]: account["id"] for account in accounts}
    slugs = {account["id"]: host_slug(account.get("name")) or account["id"] for account in accounts}
    taken = {}
    for slug in slugs.values():
        taken[slug] = taken.get(slug, 0) + 1
    ids = set(slugs)

    def unique(account_id, slug):
        # A slug that is some other account's ID would be just as ambiguous.
        return taken[slug] == 1 and slug not in GROUP_NAMES and (slug == account_id or slug not in ids)

    return {
        account_id: slug if unique(account_id, slug) else f"{slug}-{account_id}" for account_id, slug in slugs.items()
    }


def unit_group(unit_path):
    return "ou_" + group_slug(unit_path.replace("/", "_"))


def find_partnercentral(accounts, wanted, names):
    """The account ``partnercentral_account`` names (ID, name or host name), or None."""
    if not wanted:
        return None
    wanted = str(wanted).strip()
    for account in accounts:
        if wanted in (account["id"], account.get("name"), names[account["id"]]):
            return account
    return None


def partition_of(organization):
    arn = organization.get("arn") or ""
    parts = arn.split(":")
    return parts[1] if len(parts) > 1 and parts[1] else "aws"


def plan_inventory(tree, settings):
    """The hosts, their variables and groups for ``tree`` (organizations.read_tree) under ``settings``.

    Returns ``{"hosts": {host: vars}, "groups": {group: {"hosts": [...], "children": [...]}}, "warnings": [...]}``.
    Raises ValueError with what to fix when the options do not fit the organization.
    """
    organization = tree["organization"]
    management_id = organization["management_account_id"]
    accounts = [
        account
        for account in tree["accounts"]
        if account_selected(account, settings["include_accounts"], settings["exclude_accounts"])
    ]
    accounts.sort(key=lambda account: (account["id"] != management_id, account.get("name") or "", account["id"]))
    names = host_names(accounts, settings["hostnames"])
    warnings = []

    partnercentral = find_partnercentral(accounts, settings["partnercentral_account"], names)
    if settings["partnercentral_account"] and partnercentral is None:
        filtered = any(
            settings[option]
            for option in (
                "include_organizational_units",
                "exclude_organizational_units",
                "include_accounts",
                "exclude_accounts",
            )
        )
        message = (
            f"partnercentral_account {settings['partnercentral_account']!r} is no account of organization "
            f"{organization['id']}"
        )
        if not filtered:
            raise ValueError(
                f"{message}: give the ID or name of one of its accounts "
                f"({', '.join(sorted(account.get('name') or account['id'] for account in accounts)[:20])})"
            )
        warnings.append(f"{message} that the filters let in: no host is in the partnercentral group")
    if partnercentral is not None and partnercentral["id"] == management_id:
        raise ValueError(
            f"partnercentral_account {settings['partnercentral_account']!r} is the organization's management account "
            f"{management_id}: Partner Central must be linked to a member account; name that account instead"
        )

    partition = partition_of(organization)
    role = (settings["assume_role_name"] or "").strip("/")
    region = settings["account_region"] or "us-east-1"
    targets = set(settings["target_states"])
    groups = {}

    def add(group, host=None, child=None):
        entry = groups.setdefault(group, {"hosts": [], "children": []})
        if host is not None and host not in entry["hosts"]:
            entry["hosts"].append(host)
        if child is not None and child not in entry["children"]:
            entry["children"].append(child)

    for group in ("management", "partnercentral", "members"):
        add(group)
    # The organizational units' groups nest as the units do, so a play on a unit reaches everything below it.
    for unit in tree["units"]:
        add(unit_group(unit["path"]))
        parent_path = unit["path"].rsplit("/", 1)[0] if "/" in unit["path"] else None
        if parent_path is not None:
            add(unit_group(parent_path), child=unit_group(unit["path"]))

    hosts = {}
    for account in accounts:
        host = names[account["id"]]
        state = account.get("state") or "UNKNOWN"
        variables = {
            "aws_account_id": account["id"],
            "aws_region": region,
            "aws_account_name": account.get("name"),
            "aws_account_email": account.get("email"),
            "aws_account_status": state,
            "aws_organizational_unit_id": account.get("unit_id"),
            "aws_organizational_unit_path": account.get("unit_path"),
            "aws_organization_id": organization["id"],
            "aws_management_account_id": management_id,
        }
        if role and account["id"] != management_id:
            variables["aws_assume_role_arn"] = f"arn:{partition}:iam::{account['id']}:role/{role}"
        if account.get("tags") is not None:
            variables["aws_account_tags"] = account["tags"]
        hosts[host] = variables
        add(f"status_{group_slug(state)}", host)
        if state not in targets:
            continue
        if account["id"] == management_id:
            add("management", host)
        elif partnercentral is not None and account["id"] == partnercentral["id"]:
            add("partnercentral", host)
        else:
            add("members", host)
        if account.get("unit_path"):
            add(unit_group(account["unit_path"]), host)
    return {"hosts": hosts, "groups": groups, "warnings": warnings}


# --- the plugin ----------------------------------------------------------------


class InventoryModule(AWSInventoryBase):
    NAME = "diatonic.partnercentral.aws_organization"
    INVENTORY_FILE_SUFFIXES = ("aws_organization.yml", "aws_organization.yaml")

    def _do_fail(self, message):
        raise AnsibleParserError(message)

    def _set_frozen_credentials(self):
        # AWSInventoryBase assumes assume_role_arn as soon as the configuration is read; here only when AWS is
        # read at all, so that a run served from the cache makes no call.
        pass

    def _freeze_iam_role(self, iam_role_arn):
        # amazon.aws's own, with the collection's retries: STS throttles too.
        try:
            credentials = retrying(self.client("sts")).assume_role(
                aws_retry=True, RoleArn=iam_role_arn, RoleSessionName="ansible_aws_organization_inventory"
            )["Credentials"]
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError, AnsibleBotocoreError) as e:
            self.fail_aws(f"Unable to assume role {iam_role_arn} (assume_role_arn)", exception=e)
        self._frozen_credentials = {
            "profile_name": None,
            "aws_access_key_id": credentials["AccessKeyId"],
            "aws_secret_access_key": credentials["SecretAccessKey"],
            "aws_session_token": credentials["SessionToken"],
        }

    def _settings(self):
        settings = {
            option: self.get_option(option)
            for option in (
                "assume_role_name",
                "partnercentral_account",
                "hostnames",
                "account_region",
                "target_states",
                "include_organizational_units",
                "exclude_organizational_units",
                "include_accounts",
                "exclude_accounts",
                "include_tags",
            )
        }
        settings["target_states"] = [str(state).upper() for state in settings["target_states"] or []]
        for option in (
            "include_organizational_units",
            "exclude_organizational_units",
            "include_accounts",
            "exclude_accounts",
        ):
            settings[option] = [str(selector) for selector in settings[option] or []]
        if settings["partnercentral_account"] is not None:
            settings["partnercentral_account"] = str(settings["partnercentral_account"])
        problems = settings_problems(settings)
        if problems:
            raise AnsibleParserError("aws_organization inventory: " + "; ".join(problems) + ". Nothing was read.")
        return settings

    def _selection(self, settings):
        """What decides which parts of AWS Organizations are read: a cached tree serves only the same selection."""
        selection = {
            "format": CACHE_FORMAT,
            "include_organizational_units": settings["include_organizational_units"],
            "exclude_organizational_units": settings["exclude_organizational_units"],
            "include_tags": bool(settings["include_tags"]),
        }
        if settings["include_tags"]:
            # Tags are read only for the accounts the filters let in.
            selection["include_accounts"] = settings["include_accounts"]
            selection["exclude_accounts"] = settings["exclude_accounts"]
        return selection

    def _read(self, settings):
        AWSInventoryBase._set_frozen_credentials(self)
        try:
            organizations = self.client("organizations", region=self.region or "us-east-1", retry_decorator=backoff())
            return read_tree(
                organizations,
                unit_selection(settings["include_organizational_units"], settings["exclude_organizational_units"]),
                with_tags=settings["include_tags"],
                wanted_account=lambda account: account_selected(
                    account, settings["include_accounts"], settings["exclude_accounts"]
                ),
            )
        except OrganizationsError as e:
            raise AnsibleParserError(f"aws_organization inventory: {e}. {READ_REMEDY}") from e
        except (botocore.exceptions.BotoCoreError, AnsibleBotocoreError) as e:
            raise AnsibleParserError(
                f"aws_organization inventory: cannot reach AWS Organizations: {e}. {READ_REMEDY}"
            ) from e

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache=cache)
        settings = self._settings()
        if not settings["account_region"]:
            settings["account_region"] = self.region or "us-east-1"

        selection = self._selection(settings)
        hit, cached = self.get_cached_result(path, cache)
        if hit and isinstance(cached, dict) and cached.get("selection") == selection:
            tree = cached["tree"]
        else:
            tree = self._read(settings)
            # A tree read for another selection must be replaced, whatever AWSInventoryBase thinks of the entry.
            self.update_cached_result(path, cache and not hit, {"selection": selection, "tree": tree})

        try:
            plan = plan_inventory(tree, settings)
        except ValueError as e:
            raise AnsibleParserError(f"aws_organization inventory: {e}") from e
        for warning in plan["warnings"]:
            self.warn(f"aws_organization inventory: {warning}")
        self._populate(plan)

    def _populate(self, plan):
        for group in plan["groups"]:
            self.inventory.add_group(group)
        for group, members in plan["groups"].items():
            for child in members["children"]:
                self.inventory.add_child(group, child)
        strict = self.get_option("strict")
        for host, variables in plan["hosts"].items():
            self.inventory.add_host(host)
            for name, value in variables.items():
                self.inventory.set_variable(host, name, value)
        for group, members in plan["groups"].items():
            for host in members["hosts"]:
                self.inventory.add_host(host, group=group)
        for host, variables in plan["hosts"].items():
            try:
                self._set_composite_vars(self.get_option("compose"), variables, host, strict=strict)
                # Groups and keyed groups see what compose made too.
                variables = self.inventory.get_host(host).get_vars()
                self._add_host_to_composed_groups(self.get_option("groups"), variables, host, strict=strict)
                self._add_host_to_keyed_groups(self.get_option("keyed_groups"), variables, host, strict=strict)
            except AnsibleError as e:
                raise AnsibleParserError(f"aws_organization inventory: host {host}: {e}") from e
