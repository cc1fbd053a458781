# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Checklist phase 7: map the users of a Partner Central export to the persona IAM roles.

The steps, each a function a plugin or a test can call on its own:

1. ``read_export(data)``: the bytes of the CSV a person downloads from Partner Central (the migration
   widget's "Download users") become users. Any usual header spelling is understood ("Email",
   "E-mail address", "email_address"; "Role(s)", "Current role"; "Last Login", "Last sign-in"), UTF-8
   with or without a BOM (UTF-16 with a BOM too, as Excel saves "Unicode text"), comma, semicolon, tab or
   bar delimited. A malformed file raises ExportError listing every problem with its line.
2. ``classify(users, reference, inactive_after_days)``: active when the last login is at most that many
   days before the reference date; never logged in is inactive.
3. ``plan_mapping(users, role_rules, user_overrides)``: each active user gets the role of the first rule
   (in rule order) matching one of their legacy roles, or the role of their e-mail's override. Pure.
4. ``check_roles(client, names)``: every mapped role exists in the Partner Central account and trusts
   exactly Partner Central's service principal (IAM GetRole; ListRoles for the cloud admin role, whose
   name AWS suffixes when it creates it during linking).
5. ``mapping_records``, ``mapping_csv``: the records of phase 7 and the CSV a person enters in the console
   (AssociatePartnerUser has no public API).

``read_mapping_file`` reads that CSV back, for the validation of phase 8.
"""

import codecs
import csv
import datetime
import io
import json
import re

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore.

from ansible.module_utils.six.moves.urllib.parse import unquote

from ansible_collections.diatonic.partnercentral.plugins.module_utils import records as rec
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_roles import RoleError
from ansible_collections.diatonic.partnercentral.plugins.module_utils.partnercentral import LINKING_ROLE_PREFIX
from ansible_collections.diatonic.partnercentral.plugins.module_utils.partnercentral import ROLE_PREFIX
from ansible_collections.diatonic.partnercentral.plugins.module_utils.partnercentral import SERVICE_PRINCIPAL
from ansible_collections.diatonic.partnercentral.plugins.module_utils.retrying import paginate
from ansible_collections.diatonic.partnercentral.plugins.module_utils.retrying import retrying

PHASE = "7"
DEFAULT_INACTIVE_AFTER_DAYS = 90
ALLIANCE_LEAD_ROLE = ROLE_PREFIX + "AllianceLead"
# AWS creates this role when the account is linked and suffixes its name: a name ending in * is a prefix.
CLOUD_ADMIN_ROLE = LINKING_ROLE_PREFIX + "*"
CLOUD_ADMIN = "Cloud Admin"
EXCLUDE = "exclude"

# Legacy Partner Central role -> IAM role, in precedence order: a user holding several legacy roles gets the
# role of the first rule that matches. From the checklist's mapping template (phase 7.2: Admin, Opportunity
# Mgr, Marketing, Channel, Solutions) and Partner Central's own role names. Cloud admins can be mapped only
# to the cloud admin role, so that rule comes first.
DEFAULT_ROLE_RULES = {
    CLOUD_ADMIN: CLOUD_ADMIN_ROLE,
    "Alliance Lead": ALLIANCE_LEAD_ROLE,
    "Admin": ALLIANCE_LEAD_ROLE,
    "ACE Manager": ROLE_PREFIX + "ACEManager",
    "ACE User": ROLE_PREFIX + "ACEManager",
    "Opportunity Mgr": ROLE_PREFIX + "ACEManager",
    "Opportunity Manager": ROLE_PREFIX + "ACEManager",
    "Marketing": ROLE_PREFIX + "Marketing",
    "Marketing Staff": ROLE_PREFIX + "Marketing",
    "Marketing Lead": ROLE_PREFIX + "Marketing",
    "Channel Approver": ROLE_PREFIX + "ChannelApprover",
    "Channel": ROLE_PREFIX + "ChannelManager",
    "Channel Manager": ROLE_PREFIX + "ChannelManager",
    "Solutions": ROLE_PREFIX + "Technical",
    "Technical Staff": ROLE_PREFIX + "Technical",
    "Technical": ROLE_PREFIX + "Technical",
    "Read Only": ROLE_PREFIX + "ReadOnly",
    "Auditor": ROLE_PREFIX + "ReadOnly",
    "Observer": ROLE_PREFIX + "ReadOnly",
}

# The export's columns, by normalized header (lowercase letters and digits only, "(s)" kept as "s").
HEADERS = {
    "email": {
        "email", "emails", "emailaddress", "emailaddresses", "mail", "mailaddress", "useremail",
        "useremailaddress", "contactemail", "loginemail", "emailid", "workemail",
    },
    "name": {
        "name", "fullname", "username", "displayname", "user", "contactname", "partnercentraluser",
        "partnercentralusername", "usersname",
    },
    "first_name": {"firstname", "givenname", "forename"},
    "last_name": {"lastname", "surname", "familyname"},
    "roles": {
        "role", "roles", "currentrole", "currentroles", "userrole", "userroles", "partnercentralrole",
        "partnercentralroles", "currentpartnercentralrole", "currentpartnercentralroles", "pcrole", "pcroles",
        "legacyrole", "legacyroles", "rolename", "rolenames", "permission", "permissions",
    },
    "last_login": {
        "lastlogin", "lastlogindate", "lastlogintime", "lastloginat", "lastlogindatetime", "lastlogon",
        "lastsignin", "lastsignindate", "lastsignedin", "lastsigninat", "lastloggedin", "lastloggedinat",
        "lastloggedon", "lastactive", "lastactivity", "lastaccess", "lastaccessed", "lastseen", "lastvisit",
    },
}  # fmt: skip
REQUIRED = ("email", "roles", "last_login")
SPELLINGS = {
    "email": '"Email", "E-mail address", "email_address"',
    "roles": '"Role", "Role(s)", "Current role"',
    "last_login": '"Last Login", "Last sign-in", "Last login date"',
}
NEVER = {"", "never", "-", "--", "\u2014", "n/a", "na", "none", "null", "nil", "never logged in", "not logged in"}
DELIMITERS = (",", ";", "\t", "|")
ROLE_SEPARATORS = re.compile(r"[;,|\n]")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PERSONA_KEY = re.compile(r"[A-Za-z0-9]+")
_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/(?:.*/)?([^/]+)")
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
            ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
            ("oct", "october"), ("nov", "november"), ("dec", "december"),
        ),
        1,
    )
    for name in names
}  # fmt: skip
_NUMERIC_DATE = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(?:[ T,]+.*)?")
_MONTH_FIRST = re.compile(r"([A-Za-z]+)\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})(?:[ T,]+.*)?")
_DAY_FIRST = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?[ -]([A-Za-z]+)\.?[ -](\d{4})(?:[ T,]+.*)?")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_ISO_SLASHED = re.compile(r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})(?:[ T,]+.*)?")

# The mapping CSV this module writes, one row per user of the export.
MAPPING_COLUMNS = (
    "email",
    "name",
    "current_roles",
    "last_login",
    "status",
    "action",
    "iam_role",
    "iam_role_arn",
    "reason",
)
MAP = "map"
ACTIONS = (MAP, EXCLUDE, "unmapped")


class ExportError(ValueError):
    """The export cannot be read; ``problems`` lists each problem, naming its line."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


class RuleError(ValueError):
    """A rule or an override names no role; ``problems`` lists each one."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


# --- 1. reading the export --------------------------------------------------


def header_key(header):
    """A header as HEADERS spells it: "E-mail address" -> "emailaddress", "Role(s)" -> "roles"."""
    text = str(header).replace("\ufeff", "").strip().lower().replace("(s)", "s")
    text = re.sub(r"\(.*?\)|\[.*?\]", "", text)  # "Last login (UTC)"
    return re.sub(r"[^a-z0-9]", "", text)


def decode(data):
    """The export's text: UTF-8 (a BOM is dropped), or UTF-16 with its BOM. Anything else names the line."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise ExportError([f"the file starts with a UTF-16 mark but is not UTF-16 ({e.reason})"]) from e
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise ExportError(
            [
                f"line {line}: byte 0x{data[e.start]:02x} is not UTF-8: save the export as CSV UTF-8 "
                "(Excel: Save As > CSV UTF-8) and run again"
            ]
        ) from e


def _delimiter(text):
    # The delimiter is the one the header line holds most of (outside quotes); a comma when it holds none.
    for line in text.splitlines():
        if line.strip():
            unquoted = re.sub(r'"[^"]*"', "", line)
            counts = {d: unquoted.count(d) for d in DELIMITERS}
            best = max(DELIMITERS, key=lambda d: counts[d])
            return best if counts[best] else ","
    return ","


def _columns(header, line):
    """Field -> index of its column in the header; problems name the line and the column."""
    columns = {}
    problems = []
    for index, cell in enumerate(header):
        key = header_key(cell)
        for field, spellings in HEADERS.items():
            if key in spellings:
                if field in columns:
                    problems.append(
                        f"line {line}: columns {header[columns[field]].strip()!r} and {cell.strip()!r} "
                        f"are both the {field.replace('_', ' ')}: remove or rename one"
                    )
                else:
                    columns[field] = index
    for field in REQUIRED:
        if field not in columns:
            problems.append(
                f"line {line}: no {field.replace('_', ' ')} column (the header has "
                f"{', '.join(repr(c.strip()) for c in header if c.strip()) or 'nothing'}); "
                f"name it as the export does, for example {SPELLINGS[field]}"
            )
    return columns, problems


def parse_login(text, day_first=None):
    """The date of a last-login cell, None when the user never logged in; ValueError when it is no date.

    ``day_first`` settles 03/04/2026: True for 3 April, False for March 4, None to refuse it as ambiguous.
    """
    value = " ".join(str(text).split())
    if value.lower() in NEVER:
        return None
    plain = re.sub(r"\s*\b(UTC|GMT)$", "", value, flags=re.IGNORECASE)
    try:
        return datetime.datetime.fromisoformat(plain.replace("Z", "+00:00").replace("z", "+00:00")).date()
    except ValueError:
        iso = _ISO_DATE.match(plain)
        if iso:
            _date(int(iso[1]), int(iso[2]), int(iso[3]), value)  # names what is wrong with the day, if anything
    match = _ISO_SLASHED.fullmatch(plain)
    if match:
        return _date(int(match[1]), int(match[2]), int(match[3]), value)
    match = _NUMERIC_DATE.fullmatch(plain)
    if match:
        first, separator, second, year = int(match[1]), match[2], int(match[3]), int(match[4])
        if separator == "." or first > 12:
            day_first = True
        elif second > 12:
            day_first = False
        elif first != second and day_first is None:
            raise ValueError(f"{value!r} could be day/month or month/day: set user_mapping_day_first (true or false)")
        return _date(year, second, first, value) if day_first else _date(year, first, second, value)
    for pattern, order in ((_MONTH_FIRST, (3, 1, 2)), (_DAY_FIRST, (3, 2, 1))):
        match = pattern.fullmatch(plain)
        if match and match[order[1]].lower() in MONTHS:
            return _date(int(match[order[0]]), MONTHS[match[order[1]].lower()], int(match[order[2]]), value)
    raise ValueError(
        f"{value!r} is not a date (give YYYY-MM-DD, MM/DD/YYYY, DD.MM.YYYY or 'Nov 3, 2026'; "
        "empty or Never: never logged in)"
    )


def _date(year, month, day, value):
    try:
        return datetime.date(year, month, day)
    except ValueError as e:
        raise ValueError(f"{value!r} is not a date ({e})") from e


def _file_day_first(cells):
    """Whether the file's numeric dates put the day first, from those that can only be read one way."""
    day_first = month_first = None
    for line, cell in cells:
        match = _NUMERIC_DATE.fullmatch(" ".join(cell.split()))
        if match and match[2] != ".":
            if int(match[1]) > 12:
                day_first = day_first or line
            elif int(match[3]) > 12:
                month_first = month_first or line
    if day_first and month_first:
        raise ExportError(
            [
                f"line {day_first}: the last login puts the day first, line {month_first} the month: "
                "give every date the same way (YYYY-MM-DD is never ambiguous)"
            ]
        )
    if day_first:
        return True
    if month_first:
        return False
    return None


def split_roles(cell):
    """The legacy roles of a cell, "Alliance Lead; Cloud Admin" -> ["Alliance Lead", "Cloud Admin"]."""
    return [" ".join(part.split()) for part in ROLE_SEPARATORS.split(cell or "") if part.strip()]


def read_export(data, day_first=None):
    """The users of an export (bytes or text), in file order; raises ExportError listing every malformed line.

    Each user is a dict: line, name, email (as written), roles (legacy roles, a list), last_login (a date or
    None when never). ``day_first`` reads ambiguous numeric dates (see parse_login); None: as the file's
    unambiguous dates do, and month first (as Partner Central writes them) when none is.
    """
    text = decode(data) if isinstance(data, bytes) else data.lstrip("\ufeff")
    if "\x00" in text:
        raise ExportError(["the file holds NUL bytes: it is not a CSV text file (an .xlsx saved as .csv?)"])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    rows = []
    previous_end = 0
    try:
        for row in reader:
            rows.append((previous_end + 1, row))
            previous_end = reader.line_num
    except csv.Error as e:
        raise ExportError([f"line {reader.line_num}: {e}"]) from e
    rows = [(line, row) for line, row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise ExportError(["the file is empty: download the users again from Partner Central"])
    header_line, header = rows[0]
    columns, problems = _columns(header, header_line)
    if problems:
        raise ExportError(problems)
    width = len(header)
    needed = max(columns[field] for field in REQUIRED) + 1
    cells = [(line, _cell(row, columns["last_login"])) for line, row in rows[1:]]
    if day_first is None:
        day_first = _file_day_first(cells)
        day_first = False if day_first is None else day_first
    users = []
    seen = {}
    for line, row in rows[1:]:
        extra = [cell for cell in row[width:] if cell.strip()]
        if extra:
            problems.append(
                f"line {line}: {len(row)} fields where the header has {width} (an unquoted comma in a name?): "
                "quote the field, or remove what follows the last column"
            )
            continue
        if len(row) < needed:
            problems.append(
                f"line {line}: {len(row)} fields where the header has {width} (a line cut short, or another "
                "delimiter than the header's?): give every column, empty where there is nothing"
            )
            continue
        email = _cell(row, columns["email"]).strip()
        name = _name(row, columns)
        if not email:
            problems.append(f"line {line}: no e-mail address{f' for {name}' if name else ''}")
            continue
        if not _EMAIL.fullmatch(email):
            problems.append(f"line {line}: {email!r} is not an e-mail address")
            continue
        key = email.lower()
        if key in seen:
            problems.append(f"line {line}: {email} is also on line {seen[key]}: keep one row per user")
            continue
        seen[key] = line
        try:
            last_login = parse_login(_cell(row, columns["last_login"]), day_first)
        except ValueError as e:
            problems.append(f"line {line}: last login of {email}: {e}")
            continue
        roles = split_roles(_cell(row, columns["roles"]))
        users.append({"line": line, "name": name, "email": email, "roles": roles, "last_login": last_login})
    if problems:
        raise ExportError(problems)
    return users


def _cell(row, index):
    return row[index] if index is not None and index < len(row) else ""


def _name(row, columns):
    if "name" in columns:
        return " ".join(_cell(row, columns["name"]).split())
    parts = [_cell(row, columns.get(field)) for field in ("first_name", "last_name")]
    return " ".join(" ".join(parts).split())


# --- 2. active and inactive -------------------------------------------------


def parse_reference_date(value):
    """The reference date: a date, YYYY-MM-DD, or None/"" for today (UTC)."""
    if isinstance(value, datetime.date):
        return value
    if value in (None, ""):
        return datetime.datetime.now(datetime.timezone.utc).date()  # noqa: UP017 - Python 3.8 targets
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError as e:
        raise ValueError(f"reference date {value!r} must be YYYY-MM-DD") from e


def classify(users, reference, inactive_after_days=DEFAULT_INACTIVE_AFTER_DAYS):
    """The users with ``active`` and ``days_since_login`` added: active when they logged in at most
    ``inactive_after_days`` days before ``reference``; never logged in is inactive."""
    classified = []
    for user in users:
        days = None if user["last_login"] is None else max((reference - user["last_login"]).days, 0)
        active = days is not None and days <= inactive_after_days
        classified.append(dict(user, days_since_login=days, active=active))
    return classified


# --- 3. the mapping (pure) ----------------------------------------------------


def legacy_key(role):
    """A legacy role as rules match it: "ACE Manager", "ace_manager" and "Ace-Manager" are the same."""
    return re.sub(r"[^a-z0-9]", "", str(role).lower())


def role_name(value, where):
    """The IAM role a rule or an override gives: a role name, a persona key (ACEManager), an ARN, or exclude.

    Returns (name or EXCLUDE, problem or None).
    """
    if value is False or (isinstance(value, str) and value.strip().lower() == EXCLUDE):
        return EXCLUDE, None
    if not isinstance(value, str) or not value.strip():
        return (
            None,
            f"{where}: {value!r} is not a role; give a role name such as {ALLIANCE_LEAD_ROLE}, "
            "a persona such as ACEManager, or exclude",
        )
    value = value.strip()
    arn = _ROLE_ARN.fullmatch(value)
    if arn:
        value = arn[1]
    if value.startswith(ROLE_PREFIX):
        if value in (ROLE_PREFIX, ROLE_PREFIX + "*"):
            return None, f"{where}: {value!r} needs a persona after {ROLE_PREFIX}"
        return value, None
    if _PERSONA_KEY.fullmatch(value):
        return ROLE_PREFIX + value, None
    return None, (
        f"{where}: {value!r} is not a Partner Central role: Partner Central only offers roles named "
        f"{ROLE_PREFIX}<Persona> (give the name, or the persona such as ACEManager, or exclude)"
    )


def effective_rules(role_rules=None, replace=False):
    """The rules in precedence order, legacy key -> (legacy role as written, role or EXCLUDE).

    ``role_rules`` is merged over DEFAULT_ROLE_RULES (a new legacy role comes last; null removes a default
    rule), or replaces them when ``replace``. Raises RuleError naming every bad rule.
    """
    merged = {} if replace else {legacy_key(k): (k, v) for k, v in DEFAULT_ROLE_RULES.items()}
    if role_rules is not None and not isinstance(role_rules, dict):
        raise RuleError(
            [f"user_mapping_role_rules must be a mapping of legacy role to IAM role, not {type(role_rules).__name__}"]
        )
    problems = []
    for legacy, value in (role_rules or {}).items():
        key = legacy_key(legacy)
        if not key:
            problems.append(f"user_mapping_role_rules: {legacy!r} is not a legacy role name")
        elif value is None:
            merged.pop(key, None)
        else:
            name, problem = role_name(value, f"user_mapping_role_rules[{legacy!r}]")
            if problem:
                problems.append(problem)
            else:
                merged[key] = (merged.get(key, (legacy,))[0], name)
    if problems:
        raise RuleError(problems)
    return merged


def effective_overrides(user_overrides=None):
    """Per e-mail (lowercase) -> role or EXCLUDE; raises RuleError naming every bad override."""
    if user_overrides is not None and not isinstance(user_overrides, dict):
        raise RuleError(
            [
                "user_mapping_user_overrides must be a mapping of e-mail to IAM role, "
                f"not {type(user_overrides).__name__}"
            ]
        )
    overrides = {}
    problems = []
    for email, value in (user_overrides or {}).items():
        where = f"user_mapping_user_overrides[{email!r}]"
        if not _EMAIL.fullmatch(str(email).strip()):
            problems.append(f"{where}: the key must be the user's e-mail address")
            continue
        name, problem = role_name(value, where)
        if problem:
            problems.append(problem)
        else:
            overrides[str(email).strip().lower()] = name
    if problems:
        raise RuleError(problems)
    return overrides


def is_cloud_admin_role(name):
    return bool(name) and name.startswith(LINKING_ROLE_PREFIX)


def _label(user):
    name = f"{user['name']} <{user['email']}>" if user["name"] else user["email"]
    return f"{name} (line {user['line']}, {', '.join(user['roles']) or 'no role'})"


def plan_mapping(
    users, role_rules=None, user_overrides=None, replace_rules=False, alliance_lead_role=ALLIANCE_LEAD_ROLE
):
    """The mapping of classified users, and what stands in its way. Pure.

    Returns a dict: ``rows`` (one per user, export order: the keys of MAPPING_COLUMNS but iam_role_arn, plus
    line and active), ``problems`` (record id -> messages, each naming the user) and ``warnings``.
    """
    rules = effective_rules(role_rules, replace_rules)
    overrides = effective_overrides(user_overrides)
    lead_role, problem = role_name(alliance_lead_role, "alliance_lead_role")
    if problem or lead_role == EXCLUDE:
        raise RuleError([problem or "alliance_lead_role cannot be exclude"])
    alliance_lead_role = lead_role
    cloud_admin = legacy_key(CLOUD_ADMIN)
    problems = {
        "user_mapping.active_users_mapped": [],
        "user_mapping.alliance_lead": [],
        "user_mapping.roles_exist": [],
    }
    warnings = []
    rows = []
    known = {user["email"].lower() for user in users}
    for email in sorted(set(overrides) - known):
        warnings.append(f"user_mapping_user_overrides: {email} is not in the export; the override does nothing")
    for user in users:
        keys = [legacy_key(role) for role in user["roles"]]
        override = overrides.get(user["email"].lower())
        if override is not None:
            action = EXCLUDE if override == EXCLUDE else MAP
            iam_role = None if override == EXCLUDE else override
            reason = f"e-mail override: {override}"
            if not user["active"] and action == MAP:
                reason += " (inactive, kept by the override)"
        elif not user["active"]:
            action, iam_role = EXCLUDE, None
            reason = (
                "inactive: never logged in"
                if user["last_login"] is None
                else f"inactive: last login {user['days_since_login']} days ago"
            )
        else:
            matched = next(((rules[k][0], rules[k][1]) for k in rules if k in keys), None)
            if matched is None:
                action, iam_role = "unmapped", None
                reason = (
                    f"no rule for {', '.join(repr(r) for r in user['roles'])}"
                    if user["roles"]
                    else "no role in the export"
                )
                missing = user["roles"][0] if user["roles"] else "<legacy role>"
                problems["user_mapping.active_users_mapped"].append(
                    f"{_label(user)} has no IAM role: add a rule {{{missing!r}: <role or persona>}} to "
                    f"user_mapping_role_rules, or {{{user['email']!r}: <role, or exclude>}} to "
                    "user_mapping_user_overrides"
                )
            elif matched[1] == EXCLUDE:
                action, iam_role, reason = EXCLUDE, None, f"legacy role {matched[0]!r}: excluded by rule"
            else:
                action, iam_role, reason = MAP, matched[1], f"legacy role {matched[0]!r}"
        if action == MAP and is_cloud_admin_role(iam_role) and cloud_admin not in keys:
            problems["user_mapping.roles_exist"].append(
                f"{_label(user)} is mapped to the cloud admin role {iam_role}, which Partner Central offers to "
                "Cloud Admins only: map them to a persona role"
            )
        elif action == MAP and cloud_admin in keys and not is_cloud_admin_role(iam_role):
            warnings.append(
                f"{_label(user)} is a Cloud Admin mapped to {iam_role}: Partner Central maps cloud admins only to "
                f"the cloud admin role ({CLOUD_ADMIN_ROLE}) that linking creates"
            )
        rows.append(
            {
                "line": user["line"],
                "active": user["active"],
                "email": user["email"],
                "name": user["name"],
                "current_roles": "; ".join(user["roles"]),
                "last_login": None if user["last_login"] is None else user["last_login"].isoformat(),
                "status": "active" if user["active"] else "inactive",
                "action": action,
                "iam_role": iam_role,
                "reason": reason,
            }
        )
    leads = [row for row in rows if row["action"] == MAP and row["iam_role"] == alliance_lead_role]
    if not leads:
        legacy_leads = [
            f"{r['email']}: {r['action']} {r['iam_role'] or ''} ({r['reason']})".replace("  ", " ")
            for r in rows
            if legacy_key("Alliance Lead") in map(legacy_key, split_roles(r["current_roles"]))
        ]
        why = f" (the export's Alliance Leads: {'; '.join(legacy_leads)})" if legacy_leads else ""
        problems["user_mapping.alliance_lead"].append(
            f"nobody is mapped to {alliance_lead_role}{why}: Partner Central needs an Alliance Lead; map an active "
            f"user to it with user_mapping_user_overrides ({{'<e-mail>': '{alliance_lead_role}'}})"
        )
    return {"rows": rows, "problems": problems, "warnings": warnings, "alliance_lead_role": alliance_lead_role}


def mapped_role_names(rows):
    """The distinct roles the rows map users to, sorted (a name ending in * is a prefix)."""
    return sorted({row["iam_role"] for row in rows if row.get("action") == MAP and row.get("iam_role")})


# --- 4. the roles in the Partner Central account (IAM reads) ------------------


def trust_problem(document):
    """None when the trust policy lets exactly Partner Central's service principal assume the role, else why not."""
    if isinstance(document, str):
        document = json.loads(unquote(document))
    statements = (document or {}).get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    principals = set()
    allowed = False
    for statement in statements:
        if statement.get("Effect") != "Allow":
            continue
        actions = statement.get("Action") or []
        actions = [actions] if isinstance(actions, str) else actions
        if "sts:AssumeRole" not in actions and "sts:*" not in actions:
            continue
        principal = statement.get("Principal")
        if not isinstance(principal, dict):
            principals.add(json.dumps(principal))
            continue
        for kind, values in principal.items():
            for value in [values] if isinstance(values, str) else values:
                principals.add(value if kind == "Service" else f"{kind}:{value}")
        allowed = True
    if allowed and principals == {SERVICE_PRINCIPAL}:
        return None
    found = ", ".join(sorted(principals)) or "nobody"
    return f"trusts {found} instead of exactly {SERVICE_PRINCIPAL}"


def _error_code(error):
    return error.response.get("Error", {}).get("Code", "")


def _get_role(client, name):
    try:
        return client.get_role(aws_retry=True, RoleName=name)["Role"]
    except botocore.exceptions.ClientError as e:
        if _error_code(e) == "NoSuchEntity":
            return None
        raise


def check_roles(client, names):
    """Each role ``names`` gives, as the Partner Central account has it (GetRole; ListRoles for a name ending in *).

    Returns name -> {"role": the role's name or None, "arn", "problem" (None when usable), "unknown" (why
    it could not be read, or None)}. Only reads, each retried; an error other than access denied raises
    iam_roles.RoleError naming the role.
    """
    client = retrying(client)
    checked = {}
    listed = None
    for name in names:
        try:
            if name.endswith("*"):
                if listed is None:
                    listed = paginate(client, "list_roles", "Roles")
                found = sorted((r for r in listed if r["RoleName"].startswith(name[:-1])), key=lambda r: r["RoleName"])
                role = found[0] if found else None
            else:
                role = _get_role(client, name)
        except botocore.exceptions.ClientError as e:
            if _error_code(e) in ("AccessDenied", "AccessDeniedException"):
                checked[name] = {
                    "role": None,
                    "arn": None,
                    "problem": None,
                    "unknown": f"IAM refused to read {name} ({e})",
                }
                continue
            raise RoleError(message=f"Failed to read the role {name}", exception=e) from e
        except botocore.exceptions.BotoCoreError as e:
            raise RoleError(message=f"Failed to read the role {name}", exception=e) from e
        if role is None:
            what = "does not exist"
            if name.endswith("*"):
                what = "matches no role (AWS creates the cloud admin role when the account is linked, phase 6)"
            checked[name] = {"role": None, "arn": None, "problem": f"{name} {what}", "unknown": None}
            continue
        problem = trust_problem(role.get("AssumeRolePolicyDocument"))
        checked[name] = {
            "role": role["RoleName"],
            "arn": role["Arn"],
            "problem": f"{role['RoleName']} {problem}" if problem else None,
            "unknown": None,
        }
    return checked


# --- 5. records and the outputs -------------------------------------------------


def summary(rows):
    active = [r for r in rows if r["active"]]
    return {
        "users": len(rows),
        "active": len(active),
        "inactive": len(rows) - len(active),
        "mapped": sum(r["action"] == MAP for r in rows),
        "excluded": sum(r["action"] == EXCLUDE for r in rows),
        "unmapped": sum(r["action"] == "unmapped" for r in rows),
    }


def export_failed_records(account, export_name, problems):
    """The records of a run whose export could not be read."""
    records = [
        rec.judged(
            "user_mapping.export",
            PHASE,
            "The Partner Central user export was read",
            account,
            False,
            f"{export_name}: {'; '.join(problems)}",
            "fix the lines named (or download the users again from Partner Central's migration widget) and run again",
        )
    ]
    for record_id, title in _LATER_RECORDS:
        records.append(rec.make_record(record_id, PHASE, title, account, rec.SKIPPED, "the export could not be read"))
    return records


_LATER_RECORDS = (
    ("user_mapping.inactive_users", "Inactive users are identified and excluded"),
    ("user_mapping.active_users_mapped", "Every active user is mapped to an IAM role"),
    ("user_mapping.alliance_lead", "An active user is mapped to the Alliance Lead role"),
    ("user_mapping.roles_exist", "Every mapped role exists with Partner Central's trust"),
)


def apply_role_checks(plan, checked):
    """The plan with each row's iam_role_arn and the problems of the role checks added (roles_exist)."""
    problems = plan["problems"]["user_mapping.roles_exist"]
    unknown = []
    for name in sorted(checked):
        found = checked[name]
        users = [r["email"] for r in plan["rows"] if r["action"] == MAP and r["iam_role"] == name]
        if found["problem"]:
            problems.append(
                f"{found['problem']} (mapped: {', '.join(users)}): create it with the personas playbook "
                "(playbooks/personas.yml) or change the mapping"
            )
        if found["unknown"]:
            unknown.append(found["unknown"])
    for row in plan["rows"]:
        found = checked.get(row["iam_role"]) if row["action"] == MAP else None
        row["iam_role_arn"] = found["arn"] if found else None
        if found and found["role"] and found["role"] != row["iam_role"]:
            row["iam_role"] = found["role"]  # the cloud admin role's full name, as the console lists it
    plan["unknown_roles"] = unknown
    return plan


def mapping_records(account, export_name, plan, reference, inactive_after_days, roles_checked=True, output=None):
    """The records of phase 7 for a run that read the export."""
    rows = plan["rows"]
    counts = summary(rows)
    problems = plan["problems"]
    records = [
        rec.judged(
            "user_mapping.export",
            PHASE,
            "The Partner Central user export was read",
            account,
            True,
            f"{counts['users']} users read from {export_name}: {counts['active']} active, {counts['inactive']} "
            f"inactive (no login in the {inactive_after_days} days before {reference.isoformat()})",
            None,
        ),
    ]
    inactive = [r["email"] for r in rows if not r["active"]]
    records.append(
        rec.judged(
            "user_mapping.inactive_users",
            PHASE,
            "Inactive users are identified and excluded",
            account,
            True,
            f"{len(inactive)} inactive: {', '.join(inactive)}" if inactive else "no inactive user",
            None,
            blocking=False,
        )
    )
    unmapped = problems["user_mapping.active_users_mapped"]
    records.append(
        rec.judged(
            "user_mapping.active_users_mapped",
            PHASE,
            "Every active user is mapped to an IAM role",
            account,
            not unmapped,
            "; ".join(unmapped)
            if unmapped
            else f"{counts['active']} active users; {counts['mapped']} users mapped, {counts['excluded']} excluded",
            "add rules (user_mapping_role_rules) or overrides (user_mapping_user_overrides) for the users named",
        )
    )
    lead = problems["user_mapping.alliance_lead"]
    lead_role = plan.get("alliance_lead_role", ALLIANCE_LEAD_ROLE)
    leads = [r["email"] for r in rows if r["action"] == MAP and r["iam_role"] == lead_role]
    records.append(
        rec.judged(
            "user_mapping.alliance_lead",
            PHASE,
            "An active user is mapped to the Alliance Lead role",
            account,
            not lead,
            "; ".join(lead) if lead else f"mapped to the Alliance Lead role: {', '.join(leads)}",
            f"map an active user to {lead_role} (user_mapping_user_overrides)",
        )
    )
    names = mapped_role_names(rows)
    role_problems = problems["user_mapping.roles_exist"]
    title = "Every mapped role exists with Partner Central's trust"
    if role_problems:
        records.append(
            rec.judged(
                "user_mapping.roles_exist",
                PHASE,
                title,
                account,
                False,
                "; ".join(role_problems),
                "create the roles (playbooks/personas.yml) with Partner Central's trust, or change the mapping",
            )
        )
    elif not roles_checked:
        records.append(
            rec.make_record(
                "user_mapping.roles_exist", PHASE, title, account, rec.SKIPPED, "user_mapping_check_roles is false"
            )
        )
    elif plan.get("unknown_roles"):
        records.append(
            rec.unknown(
                "user_mapping.roles_exist",
                PHASE,
                title,
                account,
                "; ".join(plan["unknown_roles"]),
                "allow iam:GetRole and iam:ListRoles (policies/user_mapping.json) and run again",
            )
        )
    else:
        records.append(
            rec.judged(
                "user_mapping.roles_exist",
                PHASE,
                title,
                account,
                True,
                f"{len(names)} roles exist, each trusting only {SERVICE_PRINCIPAL}: "
                + ", ".join(sorted({r["iam_role"] for r in rows if r["action"] == MAP})),
                None,
            )
        )
    where = f" ({output})" if output else ""
    records.append(
        rec.manual(
            "user_mapping.console_entry",
            PHASE,
            "The mapping is entered in Partner Central",
            account,
            "in Partner Central: Settings > Manage Linked Account > User Mappings, give each user of the mapping"
            f"{where} "
            "its IAM role (AssociatePartnerUser has no public API), then check that no active user is left unmapped",
            who="customer",
            evidence=f"{counts['mapped']} users to map",
        )
    )
    return records


def problem_messages(plan):
    """Every problem of the plan, one line each, in record order."""
    return [message for messages in plan["problems"].values() for message in messages]


def mapping_rows(plan):
    """The rows of the mapping file, users to map first (by role, then e-mail), then excluded and unmapped."""
    order = {action: i for i, action in enumerate(ACTIONS)}
    rows = sorted(plan["rows"], key=lambda r: (order[r["action"]], r["iam_role"] or "", r["email"].lower()))
    return [{column: row.get(column) for column in MAPPING_COLUMNS} for row in rows]


def mapping_csv(rows):
    """The mapping as CSV text (UTF-8, no BOM: what a spreadsheet and a script both read), one line per user."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(MAPPING_COLUMNS)
    for row in rows:
        writer.writerow(["" if row.get(column) is None else row[column] for column in MAPPING_COLUMNS])
    return out.getvalue()


# --- reading the mapping back (phase 8) -------------------------------------------


def mapping_file_problems(text, alliance_lead_role=ALLIANCE_LEAD_ROLE):
    """The rows of a mapping CSV this module wrote, and every way it is not a complete mapping (naming the line).

    Returns ``(rows, problems)``: no problem means every row is mapped or excluded, a mapped row names a
    Partner Central role, each e-mail appears once and someone is mapped to the Alliance Lead role.
    """
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        lines = list(reader)
    except csv.Error as e:
        return [], [f"line {reader.line_num}: {e}"]
    if not lines or tuple(lines[0]) != MAPPING_COLUMNS:
        return [], [
            f"line 1: the header must be {','.join(MAPPING_COLUMNS)}: this is not a mapping file of user_mapping"
        ]
    rows = []
    problems = []
    seen = {}
    for number, cells in enumerate(lines[1:], 2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(MAPPING_COLUMNS):
            problems.append(f"line {number}: {len(cells)} fields, not {len(MAPPING_COLUMNS)}")
            continue
        row = dict(zip(MAPPING_COLUMNS, cells))
        email = row["email"].lower()
        if email in seen:
            problems.append(f"line {number}: {row['email']} is also on line {seen[email]}")
        seen[email] = number
        if row["action"] not in ACTIONS:
            problems.append(f"line {number}: action {row['action']!r} is not one of {', '.join(ACTIONS)}")
        elif row["action"] == "unmapped":
            problems.append(f"line {number}: {row['email']} is not mapped to any role")
        elif row["action"] == MAP and not row["iam_role"].startswith(ROLE_PREFIX):
            problems.append(
                f"line {number}: {row['email']} is mapped to {row['iam_role']!r}, not a {ROLE_PREFIX}* role"
            )
        rows.append(dict(row, line=number))
    if not any(r["action"] == MAP and r["iam_role"] == alliance_lead_role for r in rows):
        problems.append(f"nobody is mapped to {alliance_lead_role}")
    return rows, problems


def read_mapping_file(path, alliance_lead_role=ALLIANCE_LEAD_ROLE):
    """``mapping_file_problems`` of the file at ``path``; a file that cannot be read is one problem."""
    try:
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        return [], [f"{path}: cannot be read ({e})"]
    return mapping_file_problems(text, alliance_lead_role)
