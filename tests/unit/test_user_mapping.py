"""Phase 7: the user export read, users classified and mapped to roles, the roles checked (no network)."""

import codecs
import datetime
import json
import os

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.diatonic.partnercentral.plugins.module_utils import records
from ansible_collections.diatonic.partnercentral.plugins.module_utils import user_mapping as um

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "user_mapping")
TODAY = datetime.date(2026, 11, 26)
LEAD = "PartnerCentralRoleForAllianceLead"
ACE = "PartnerCentralRoleForACEManager"
ACCOUNT = "210987654321"
SERVICE = "partnercentral-account-management.amazonaws.com"


def export(*lines, header="Name,Email,Role,Last Login"):
    return ("\n".join([header, *lines]) + "\n").encode()


def mapped(data, **options):
    """The plan of an export (bytes) judged on TODAY."""
    days = options.pop("inactive_after_days", 90)
    users = um.classify(um.read_export(data, options.pop("day_first", None)), TODAY, days)
    return um.plan_mapping(users, **options)


def row(plan, email):
    return next(r for r in plan["rows"] if r["email"] == email)


def problems(plan, record_id=None):
    if record_id:
        return plan["problems"][record_id]
    return um.problem_messages(plan)


def export_problems(data, **options):
    with pytest.raises(um.ExportError) as failure:
        um.read_export(data, **options)
    return failure.value.problems


def read_data(name):
    with open(os.path.join(DATA, name), "rb") as handle:
        return handle.read()


# --- the export: headers, encodings, delimiters ----------------------------------


@pytest.mark.parametrize(
    "header, line",
    [
        ("Name,Email,Role,Last Login", "Drew Fortini,drew@example.com,Alliance Lead,2026-11-20"),
        ("Full Name,E-mail address,Role(s),Last sign-in", "Drew Fortini,drew@example.com,Alliance Lead,2026-11-20"),
        (
            "user_name,email_address,current_role,last_login_date",
            "Drew Fortini,drew@example.com,Alliance Lead,2026-11-20",
        ),
        (
            "NAME,E-MAIL,CURRENT PARTNER CENTRAL ROLE(S),LAST LOGIN (UTC)",
            "Drew Fortini,drew@example.com,Alliance Lead,2026-11-20",
        ),
        (
            " Display name , Email Address , Roles , Last signed in ",
            "Drew Fortini,drew@example.com,Alliance Lead,2026-11-20",
        ),
        (
            "Last Logged In,Partner Central Roles,User Email,User",
            "2026-11-20,Alliance Lead,drew@example.com,Drew Fortini",
        ),
        (
            "First Name,Last Name,Mail,Permissions,Last Activity",
            "Drew,Fortini,drew@example.com,Alliance Lead,2026-11-20",
        ),
    ],
)
def test_any_usual_header_spelling_is_understood(header, line):
    assert um.read_export(export(line, header=header)) == [
        {
            "line": 2,
            "name": "Drew Fortini",
            "email": "drew@example.com",
            "roles": ["Alliance Lead"],
            "last_login": datetime.date(2026, 11, 20),
        }
    ]


def test_an_excel_export_with_bom_crlf_quotes_and_blank_lines_maps_as_the_checklist_template_says():
    plan = mapped(read_data("export_excel.csv"))
    assert {r["email"]: (r["action"], r["iam_role"]) for r in plan["rows"]} == {
        "drew@example.com": ("map", LEAD),
        "casey@example.com": ("map", "PartnerCentralRoleForCloudAdmin*"),
        "ace1@example.com": ("map", ACE),
        "marketing@example.com": ("map", "PartnerCentralRoleForMarketing"),
        "channel1@example.com": ("map", "PartnerCentralRoleForChannelManager"),
        "tech1@example.com": ("map", "PartnerCentralRoleForTechnical"),
        "old@example.com": ("exclude", None),
        "never@example.com": ("exclude", None),
    }
    assert row(plan, "ace1@example.com")["name"] == "Ace, Contact 1"
    assert row(plan, "ace1@example.com")["current_roles"] == "ACE Manager; ACE User"
    # The blank line counts: the lines named are the file's own.
    assert row(plan, "channel1@example.com")["line"] == 7
    assert problems(plan) == []


def test_a_semicolon_export_with_first_and_last_names_and_a_trailing_delimiter():
    plan = mapped(read_data("export_semicolon.csv"), role_rules={"Standard User": "ReadOnly"})
    assert [(r["name"], r["email"], r["status"], r["iam_role"]) for r in plan["rows"]] == [
        ("Ana Lima", "lead@example.org", "active", LEAD),
        ("Bo Berg", "ops@example.org", "active", "PartnerCentralRoleForReadOnly"),
        ("Cy Dahl", "gone@example.org", "inactive", None),
    ]


def test_tab_and_bar_delimited_exports_are_read():
    for delimiter in ("\t", "|"):
        data = export(
            delimiter.join(["Drew", "drew@example.com", "Alliance Lead", "2026-11-20"]),
            header=delimiter.join(["Name", "Email", "Role", "Last Login"]),
        )
        assert [u["email"] for u in um.read_export(data)] == ["drew@example.com"]


def test_utf16_with_bom_as_excel_saves_unicode_text_is_read():
    text = "Name\tEmail\tRole\tLast Login\nJosé Núñez\tjose@example.com\tAlliance Lead\t2026-11-20\n"
    users = um.read_export(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    assert users[0]["name"] == "José Núñez"


def test_utf8_names_with_and_without_bom_read_the_same():
    data = export("Zoë Ångström,zoe@example.com,Alliance Lead,2026-11-20")
    assert um.read_export(data) == um.read_export(codecs.BOM_UTF8 + data)
    assert um.read_export(data)[0]["name"] == "Zoë Ångström"


def test_a_file_in_another_encoding_fails_naming_the_line():
    data = export("Drew,drew@example.com,Alliance Lead,2026-11-20", "Zoë,zoe@example.com,Marketing,2026-11-20")
    found = export_problems(data.decode().encode("latin-1"))
    assert len(found) == 1
    assert found[0].startswith("line 3: byte 0xeb is not UTF-8")
    assert "CSV UTF-8" in found[0]


def test_a_spreadsheet_saved_under_a_csv_name_is_refused():
    assert "NUL bytes" in export_problems(b"PK\x03\x04\x00\x00binary")[0]


def test_extra_empty_trailing_columns_and_unnamed_columns_are_ignored():
    data = export("Drew,drew@example.com,Alliance Lead,2026-11-20,,", header="Name,Email,Role,Last Login,,")
    assert [u["email"] for u in um.read_export(data)] == ["drew@example.com"]


def test_unknown_extra_columns_are_ignored():
    data = export("7,Drew,drew@example.com,Alliance Lead,2026-11-20,yes", header="Id,Name,Email,Role,Last Login,MFA")
    assert um.read_export(data)[0]["roles"] == ["Alliance Lead"]


# --- malformed exports: every problem, each naming its line --------------------------


def test_a_missing_required_column_is_named_with_the_spellings_understood():
    found = export_problems(export("Drew,drew@example.com,2026-11-20", header="Name,Email,Last Login"))
    assert found == [
        "line 1: no roles column (the header has 'Name', 'Email', 'Last Login'); name it as the export does, "
        'for example "Role", "Role(s)", "Current role"'
    ]


def test_every_missing_column_is_named_at_once():
    found = export_problems(export("Drew", header="Name"))
    assert [p.split(":")[1].split("(")[0].strip() for p in found] == [
        "no email column",
        "no roles column",
        "no last login column",
    ]


def test_two_columns_for_one_field_are_refused():
    found = export_problems(export("a@x.io,b@x.io,Marketing,2026-11-20", header="Email,E-mail address,Role,Last Login"))
    assert found == ["line 1: columns 'Email' and 'E-mail address' are both the email: remove or rename one"]


def test_malformed_rows_are_all_named_with_their_lines():
    data = export(
        "Drew,drew@example.com,Alliance Lead,2026-11-20",
        "No Mail,,Marketing,2026-11-20",
        "Typo,not-an-address,Marketing,2026-11-20",
        "Again,DREW@example.com,Marketing,2026-11-20",
        "Bad Date,bad@example.com,Marketing,yesterday",
        "Doe, Jane,jane@example.com,Marketing,2026-11-20",
        "Feb,feb@example.com,Marketing,2026-02-30",
    )
    assert export_problems(data) == [
        "line 3: no e-mail address for No Mail",
        "line 4: 'not-an-address' is not an e-mail address",
        "line 5: DREW@example.com is also on line 2: keep one row per user",
        "line 6: last login of bad@example.com: 'yesterday' is not a date (give YYYY-MM-DD, MM/DD/YYYY, DD.MM.YYYY "
        "or 'Nov 3, 2026'; empty or Never: never logged in)",
        "line 7: 5 fields where the header has 4 (an unquoted comma in a name?): quote the field, or remove what "
        "follows the last column",
        "line 8: last login of feb@example.com: '2026-02-30' is not a date (day is out of range for month)",
    ]


def test_a_line_cut_short_is_named_rather_than_read_as_never_logged_in():
    data = export("Drew,drew@example.com,Alliance Lead,2026-11-20", "Ann,ann@example.com,Marketing")
    assert export_problems(data) == [
        "line 3: 3 fields where the header has 4 (a line cut short, or another delimiter than the header's?): "
        "give every column, empty where there is nothing"
    ]
    # An optional column at the end may be left out.
    data = export("Drew,drew@example.com,Alliance Lead,2026-11-20", header="Name,Email,Role,Last Login,Team")
    assert [u["email"] for u in um.read_export(data)] == ["drew@example.com"]


def test_a_line_number_counts_quoted_multi_line_fields():
    data = export('"Drew\nFortini",drew@example.com,Alliance Lead,2026-11-20', "X,,Marketing,2026-11-20")
    assert export_problems(data) == ["line 4: no e-mail address for X"]


def test_an_empty_file_or_a_header_only_file():
    assert export_problems(b"") == ["the file is empty: download the users again from Partner Central"]
    assert export_problems(b"\xef\xbb\xbf\n\n") == ["the file is empty: download the users again from Partner Central"]
    plan = mapped(export())
    assert plan["rows"] == []
    assert problems(plan, "user_mapping.alliance_lead")[0].startswith(f"nobody is mapped to {LEAD}")


# --- dates ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell, day",
    [
        ("2026-11-03", datetime.date(2026, 11, 3)),
        ("2026-11-03T23:59:59Z", datetime.date(2026, 11, 3)),
        ("2026-11-03T10:00:00.123+01:00", datetime.date(2026, 11, 3)),
        ("2026-11-03 10:00:00 UTC", datetime.date(2026, 11, 3)),
        ("2026/11/03", datetime.date(2026, 11, 3)),
        ("11/03/2026", datetime.date(2026, 11, 3)),
        ("11/03/2026 4:05 PM", datetime.date(2026, 11, 3)),
        ("03.11.2026", datetime.date(2026, 11, 3)),
        ("25/11/2026", datetime.date(2026, 11, 25)),
        ("Nov 3, 2026", datetime.date(2026, 11, 3)),
        ("November 3rd, 2026 10:00", datetime.date(2026, 11, 3)),
        ("3 Nov 2026", datetime.date(2026, 11, 3)),
        ("03-Nov-2026", datetime.date(2026, 11, 3)),
        ("", None),
        ("Never", None),
        (" never logged in ", None),
        ("N/A", None),
        ("-", None),
    ],
)
def test_last_login_formats(cell, day):
    assert um.parse_login(cell, day_first=False) == day


def test_an_ambiguous_date_follows_the_files_other_dates():
    data = export("A,a@x.io,Alliance Lead,03/04/2026", "B,b@x.io,Marketing,25/04/2026")
    assert um.read_export(data)[0]["last_login"] == datetime.date(2026, 4, 3)
    data = export("A,a@x.io,Alliance Lead,03/04/2026", "B,b@x.io,Marketing,04/25/2026")
    assert um.read_export(data)[0]["last_login"] == datetime.date(2026, 3, 4)
    # None of them tells: month first, as Partner Central writes dates, unless day_first says otherwise.
    data = export("A,a@x.io,Alliance Lead,03/04/2026")
    assert um.read_export(data)[0]["last_login"] == datetime.date(2026, 3, 4)
    assert um.read_export(data, day_first=True)[0]["last_login"] == datetime.date(2026, 4, 3)


def test_a_file_mixing_day_first_and_month_first_dates_is_refused_naming_both_lines():
    data = export("A,a@x.io,Alliance Lead,25/04/2026", "B,b@x.io,Marketing,04/25/2026")
    assert export_problems(data) == [
        "line 2: the last login puts the day first, line 3 the month: give every date the same way "
        "(YYYY-MM-DD is never ambiguous)"
    ]


# --- active and inactive ----------------------------------------------------------


def test_the_inactivity_threshold_is_90_days_by_default_and_configurable():
    data = export(
        "Lead,lead@x.io,Alliance Lead,2026-11-26",
        "Edge,edge@x.io,Marketing,2026-08-28",  # 90 days before
        "Over,over@x.io,Marketing,2026-08-27",  # 91 days
        "Never,never@x.io,Marketing,",
    )
    plan = mapped(data)
    assert [r["status"] for r in plan["rows"]] == ["active", "active", "inactive", "inactive"]
    assert row(plan, "over@x.io")["reason"] == "inactive: last login 91 days ago"
    assert row(plan, "never@x.io")["reason"] == "inactive: never logged in"
    plan = mapped(data, inactive_after_days=30)
    assert [r["status"] for r in plan["rows"]] == ["active", "inactive", "inactive", "inactive"]


def test_the_reference_date_defaults_to_today_and_is_checked():
    assert um.parse_reference_date(None) == datetime.datetime.now(datetime.timezone.utc).date()  # noqa: UP017
    assert um.parse_reference_date("2026-01-31") == datetime.date(2026, 1, 31)
    with pytest.raises(ValueError, match="must be YYYY-MM-DD"):
        um.parse_reference_date("31/01/2026")


def test_inactive_users_need_no_rule():
    plan = mapped(export("Lead,lead@x.io,Alliance Lead,2026-11-20", "Old,old@x.io,Something Odd,2020-01-01"))
    assert problems(plan) == []
    assert row(plan, "old@x.io")["action"] == "exclude"


# --- rules and overrides -----------------------------------------------------------


def test_legacy_roles_match_whatever_their_case_and_punctuation():
    plan = mapped(export("Lead,lead@x.io,ALLIANCE_LEAD,2026-11-20", "Ace,ace@x.io,ace-manager,2026-11-20"))
    assert [r["iam_role"] for r in plan["rows"]] == [LEAD, ACE]


def test_a_per_role_override_accepts_a_persona_a_role_name_an_arn_or_exclude():
    data = export(
        "Lead,lead@x.io,Alliance Lead,2026-11-20",
        "Std,std@x.io,Standard User,2026-11-20",
        "Mkt,mkt@x.io,Marketing,2026-11-20",
        "Trn,trn@x.io,Training Only,2026-11-20",
        "Ace,ace@x.io,ACE Manager,2026-11-20",
    )
    plan = mapped(
        data,
        role_rules={
            "Standard User": "ReadOnly",
            "marketing": "PartnerCentralRoleForTechnical",
            "Training Only": "exclude",
            "ACE Manager": f"arn:aws:iam::{ACCOUNT}:role/team/PartnerCentralRoleForDeals",
        },
    )
    assert [(r["action"], r["iam_role"]) for r in plan["rows"]] == [
        ("map", LEAD),
        ("map", "PartnerCentralRoleForReadOnly"),
        ("map", "PartnerCentralRoleForTechnical"),
        ("exclude", None),
        ("map", "PartnerCentralRoleForDeals"),
    ]
    assert row(plan, "trn@x.io")["reason"] == "legacy role 'Training Only': excluded by rule"
    assert problems(plan) == []


def test_a_null_rule_removes_a_default_and_replace_drops_them_all():
    data = export("Lead,lead@x.io,Alliance Lead,2026-11-20", "Mkt,mkt@x.io,Marketing,2026-11-20")
    plan = mapped(data, role_rules={"Marketing": None})
    assert row(plan, "mkt@x.io")["action"] == "unmapped"
    plan = mapped(data, role_rules={"Alliance Lead": "AllianceLead"}, replace_rules=True)
    assert [r["action"] for r in plan["rows"]] == ["map", "unmapped"]


def test_a_per_email_override_wins_over_the_rules_and_keeps_an_inactive_user():
    data = export(
        "Lead,lead@x.io,Marketing,2026-11-20",
        "Old,old@x.io,Marketing,2024-01-01",
        "Trainee,trainee@x.io,Marketing,2026-11-20",
    )
    plan = mapped(data, user_overrides={"LEAD@x.io": "AllianceLead", "old@x.io": ACE, "trainee@x.io": "exclude"})
    assert [(r["action"], r["iam_role"], r["reason"]) for r in plan["rows"]] == [
        ("map", LEAD, f"e-mail override: {LEAD}"),
        ("map", ACE, f"e-mail override: {ACE} (inactive, kept by the override)"),
        ("exclude", None, "e-mail override: exclude"),
    ]
    assert problems(plan) == []


def test_an_override_for_someone_not_in_the_export_is_warned_about():
    plan = mapped(export("Lead,lead@x.io,Alliance Lead,2026-11-20"), user_overrides={"lead@x.oi": "ReadOnly"})
    assert plan["warnings"] == [
        "user_mapping_user_overrides: lead@x.oi is not in the export; the override does nothing"
    ]


def test_bad_rules_and_overrides_are_all_named():
    with pytest.raises(um.RuleError) as failure:
        um.effective_rules({"Marketing": "Marketing Role", "Channel": "", "ACE": "PartnerCentralRoleFor"})
    assert failure.value.problems == [
        "user_mapping_role_rules['Marketing']: 'Marketing Role' is not a Partner Central role: Partner Central only "
        "offers roles named PartnerCentralRoleFor<Persona> (give the name, or the persona such as ACEManager, or "
        "exclude)",
        "user_mapping_role_rules['Channel']: '' is not a role; give a role name such as "
        "PartnerCentralRoleForAllianceLead, a persona such as ACEManager, or exclude",
        "user_mapping_role_rules['ACE']: 'PartnerCentralRoleFor' needs a persona after PartnerCentralRoleFor",
    ]
    with pytest.raises(um.RuleError) as failure:
        um.effective_overrides({"Drew Fortini": "AllianceLead"})
    assert failure.value.problems == [
        "user_mapping_user_overrides['Drew Fortini']: the key must be the user's e-mail address"
    ]


def test_several_legacy_roles_take_the_first_rule_in_precedence_order():
    data = export('Ace,ace@x.io,"Marketing; ACE User",2026-11-20', "Lead,lead@x.io,Marketing|Alliance Lead,2026-11-20")
    plan = mapped(data)
    assert [r["iam_role"] for r in plan["rows"]] == [ACE, LEAD]


# --- problems: unmapped users, the Alliance Lead, the cloud admin role -----------------


def test_each_active_user_without_a_mapping_is_named_with_line_and_legacy_role():
    data = export(
        "Lead,lead@x.io,Alliance Lead,2026-11-20",
        "Bo Berg,bo@x.io,Standard User,2026-11-20",
        ",anon@x.io,,2026-11-20",
    )
    plan = mapped(data)
    assert problems(plan, "user_mapping.active_users_mapped") == [
        "Bo Berg <bo@x.io> (line 3, Standard User) has no IAM role: add a rule {'Standard User': <role or persona>} "
        "to user_mapping_role_rules, or {'bo@x.io': <role, or exclude>} to user_mapping_user_overrides",
        "anon@x.io (line 4, no role) has no IAM role: add a rule {'<legacy role>': <role or persona>} "
        "to user_mapping_role_rules, or {'anon@x.io': <role, or exclude>} to user_mapping_user_overrides",
    ]
    assert row(plan, "anon@x.io")["reason"] == "no role in the export"


def test_nobody_mapped_to_the_alliance_lead_is_a_problem_that_says_where_the_alliance_leads_went():
    data = export(
        'Drew,drew@x.io,"Alliance Lead, Cloud Admin",2026-11-20',
        "Ann,ann@x.io,Alliance Lead,2024-01-01",
        "Ace,ace@x.io,ACE Manager,2026-11-20",
    )
    found = problems(mapped(data), "user_mapping.alliance_lead")
    assert len(found) == 1
    assert found[0].startswith(f"nobody is mapped to {LEAD} (the export's Alliance Leads: ")
    assert "drew@x.io: map PartnerCentralRoleForCloudAdmin* (legacy role 'Cloud Admin')" in found[0]
    assert "ann@x.io: exclude (inactive: last login" in found[0]
    assert problems(mapped(data, user_overrides={"ace@x.io": "AllianceLead"}), "user_mapping.alliance_lead") == []


def test_the_alliance_lead_role_can_be_named_by_its_persona():
    data = export("Boss,boss@x.io,Partner Owner,2026-11-20")
    plan = mapped(data, role_rules={"Partner Owner": "Owner"}, alliance_lead_role="Owner")
    assert problems(plan) == []
    assert plan["alliance_lead_role"] == "PartnerCentralRoleForOwner"


def test_the_cloud_admin_role_is_for_cloud_admins_only():
    data = export("Lead,lead@x.io,Alliance Lead,2026-11-20", "Mkt,mkt@x.io,Marketing,2026-11-20")
    plan = mapped(data, user_overrides={"mkt@x.io": "PartnerCentralRoleForCloudAdmin-ab12"})
    assert problems(plan) == [
        "Mkt <mkt@x.io> (line 3, Marketing) is mapped to the cloud admin role PartnerCentralRoleForCloudAdmin-ab12, "
        "which Partner Central offers to Cloud Admins only: map them to a persona role"
    ]


def test_a_cloud_admin_moved_to_another_role_is_warned_about():
    data = export("Drew,drew@x.io,Cloud Admin,2026-11-20")
    plan = mapped(data, user_overrides={"drew@x.io": "AllianceLead"})
    assert problems(plan) == []
    assert "Partner Central maps cloud admins only to the cloud admin role" in plan["warnings"][0]


# --- the roles in the account (Stubber) -------------------------------------------------


def trust(principal=None):
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": principal or {"Service": SERVICE}, "Action": "sts:AssumeRole"}
            ],
        }
    )


def role(name, document=None):
    return {
        "Path": "/",
        "RoleName": name,
        "RoleId": "AROAEXAMPLEEXAMPLE01",
        "Arn": f"arn:aws:iam::{ACCOUNT}:role/{name}",
        "CreateDate": datetime.datetime(2026, 1, 1),
        "AssumeRolePolicyDocument": document or trust(),
    }


@pytest.fixture
def iam():
    client = boto3.client("iam", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stubber:
        yield client, stubber


def test_roles_are_checked_for_existence_and_exact_trust(iam):
    client, stubber = iam
    # In the order check_roles reads them: the names sorted.
    stubber.add_client_error("get_role", "NoSuchEntity", http_status_code=404, expected_params={"RoleName": ACE})
    stubber.add_response("get_role", {"Role": role(LEAD)}, {"RoleName": LEAD})
    stubber.add_response(
        "list_roles",
        {"Roles": [role("Other"), role("PartnerCentralRoleForCloudAdmin-x1y2")], "IsTruncated": False},
    )
    wrong = trust({"Service": SERVICE, "AWS": f"arn:aws:iam::{ACCOUNT}:root"})
    stubber.add_response(
        "get_role",
        {"Role": role("PartnerCentralRoleForMarketing", wrong)},
        {"RoleName": "PartnerCentralRoleForMarketing"},
    )
    names = ["PartnerCentralRoleForCloudAdmin*", LEAD, ACE, "PartnerCentralRoleForMarketing"]
    checked = um.check_roles(client, sorted(names))
    stubber.assert_no_pending_responses()
    assert checked["PartnerCentralRoleForCloudAdmin*"]["role"] == "PartnerCentralRoleForCloudAdmin-x1y2"
    assert checked["PartnerCentralRoleForCloudAdmin*"]["problem"] is None
    assert checked[LEAD]["arn"] == f"arn:aws:iam::{ACCOUNT}:role/{LEAD}"
    assert checked[LEAD]["problem"] is None
    assert checked[ACE]["problem"] == f"{ACE} does not exist"
    assert checked["PartnerCentralRoleForMarketing"]["problem"] == (
        f"PartnerCentralRoleForMarketing trusts AWS:arn:aws:iam::{ACCOUNT}:root, {SERVICE} instead of exactly {SERVICE}"
    )


def test_a_missing_cloud_admin_role_points_at_linking(iam):
    client, stubber = iam
    stubber.add_response("list_roles", {"Roles": [role(LEAD)], "IsTruncated": False})
    checked = um.check_roles(client, ["PartnerCentralRoleForCloudAdmin*"])
    assert (
        "matches no role (AWS creates the cloud admin role when the account is linked"
        in checked["PartnerCentralRoleForCloudAdmin*"]["problem"]
    )


def test_access_denied_makes_the_check_unknown_not_failed(iam):
    client, stubber = iam
    stubber.add_client_error("get_role", "AccessDenied", http_status_code=403)
    checked = um.check_roles(client, [LEAD])
    assert checked[LEAD]["problem"] is None
    assert "IAM refused to read PartnerCentralRoleForAllianceLead" in checked[LEAD]["unknown"]


def test_another_iam_error_names_the_role(iam):
    client, stubber = iam
    stubber.add_client_error("get_role", "ValidationError", "bad name", http_status_code=400)
    with pytest.raises(um.RoleError, match="Failed to read the role PartnerCentralRoleForAllianceLead"):
        um.check_roles(client, [LEAD])


@pytest.mark.parametrize(
    "statement, ok",
    [
        ({"Effect": "Allow", "Principal": {"Service": [SERVICE]}, "Action": ["sts:AssumeRole"]}, True),
        ({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}, False),
        ({"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}, False),
        ({"Effect": "Deny", "Principal": {"Service": SERVICE}, "Action": "sts:AssumeRole"}, False),
    ],
)
def test_trust_must_be_exactly_the_service_principal(statement, ok):
    assert (um.trust_problem({"Statement": [statement]}) is None) is ok


# --- records and the mapping file ----------------------------------------------------


def full_plan(**options):
    plan = mapped(read_data("export_excel.csv"), **options)
    checked = {
        name: {
            "role": name.replace("*", "-x1y2"),
            "arn": f"arn:aws:iam::{ACCOUNT}:role/{name.replace('*', '-x1y2')}",
            "problem": None,
            "unknown": None,
        }
        for name in um.mapped_role_names(plan["rows"])
    }
    return um.apply_role_checks(plan, checked)


def test_records_of_a_clean_mapping_validate_and_say_what_was_seen():
    plan = full_plan()
    found = um.mapping_records(ACCOUNT, "users.csv", plan, TODAY, 90, output="/tmp/out")
    assert [r["id"] for r in found] == [
        "user_mapping.export",
        "user_mapping.inactive_users",
        "user_mapping.active_users_mapped",
        "user_mapping.alliance_lead",
        "user_mapping.roles_exist",
        "user_mapping.console_entry",
    ]
    assert all(records.record_problems(r) == [] for r in found)
    assert [r["status"] for r in found] == ["verified"] * 5 + ["manual"]
    assert {r["phase"] for r in found} == {"7"}
    assert found[0]["evidence"] == (
        "8 users read from users.csv: 6 active, 2 inactive (no login in the 90 days before 2026-11-26)"
    )
    assert "old@example.com, never@example.com" in found[1]["evidence"]
    assert "/tmp/out" in found[5]["remedy"]
    assert records.verdict(found) == records.READY


def test_records_of_a_failed_mapping_name_each_problem():
    data = export("Bo,bo@x.io,Standard User,2026-11-20")
    plan = um.apply_role_checks(mapped(data), {})
    found = {r["id"]: r for r in um.mapping_records(ACCOUNT, "users.csv", plan, TODAY, 90)}
    assert found["user_mapping.active_users_mapped"]["status"] == "failed"
    assert "bo@x.io" in found["user_mapping.active_users_mapped"]["evidence"]
    assert found["user_mapping.alliance_lead"]["status"] == "failed"
    assert all(records.record_problems(r) == [] for r in found.values())


def test_a_role_problem_fails_roles_exist_naming_the_users_and_an_unreadable_role_is_unknown():
    plan = mapped(export("Lead,lead@x.io,Alliance Lead,2026-11-20"))
    plan = um.apply_role_checks(
        plan, {LEAD: {"role": None, "arn": None, "problem": f"{LEAD} does not exist", "unknown": None}}
    )
    record = um.mapping_records(ACCOUNT, "u.csv", plan, TODAY, 90)[4]
    assert record["status"] == "failed"
    assert record["evidence"].startswith(f"{LEAD} does not exist (mapped: lead@x.io)")
    plan = mapped(export("Lead,lead@x.io,Alliance Lead,2026-11-20"))
    plan = um.apply_role_checks(plan, {LEAD: {"role": None, "arn": None, "problem": None, "unknown": "IAM refused"}})
    record = um.mapping_records(ACCOUNT, "u.csv", plan, TODAY, 90)[4]
    assert record["status"] == "unknown"
    assert um.problem_messages(plan) == []


def test_a_malformed_export_gives_a_failed_export_record_and_skips_the_rest():
    found = um.export_failed_records(ACCOUNT, "u.csv", ["line 3: no e-mail address"])
    assert [r["status"] for r in found] == ["failed", "skipped", "skipped", "skipped", "skipped"]
    assert "line 3: no e-mail address" in found[0]["evidence"]
    assert all(records.record_problems(r) == [] for r in found)


def test_the_mapping_csv_lists_users_to_map_first_with_the_cloud_admin_roles_full_name():
    rows = um.mapping_rows(full_plan())
    text = um.mapping_csv(rows)
    lines = text.splitlines()
    assert lines[0] == "email,name,current_roles,last_login,status,action,iam_role,iam_role_arn,reason"
    assert [line.split(",")[0] for line in lines[1:]] == [
        "ace1@example.com",
        "drew@example.com",
        "channel1@example.com",
        "casey@example.com",
        "marketing@example.com",
        "tech1@example.com",
        "never@example.com",
        "old@example.com",
    ]
    assert (
        f"PartnerCentralRoleForCloudAdmin-x1y2,arn:aws:iam::{ACCOUNT}:role/PartnerCentralRoleForCloudAdmin-x1y2" in text
    )
    assert '"Ace, Contact 1"' in text
    assert um.mapping_csv(rows) == text  # the same input writes the same bytes (a rerun changes nothing)


def test_a_written_mapping_reads_back_without_problems(tmp_path):
    path = tmp_path / "user_mapping.csv"
    path.write_text(um.mapping_csv(um.mapping_rows(full_plan())))
    rows, found = um.read_mapping_file(str(path))
    assert found == []
    assert len(rows) == 8
    assert um.mapped_role_names(rows)[0] == ACE


def test_a_mapping_file_edited_by_hand_is_checked():
    text = um.mapping_csv(um.mapping_rows(full_plan()))
    lines = text.splitlines()
    lines[2] = lines[2].replace("PartnerCentralRoleForAllianceLead", "AdminRole").replace(",map,", ",map,")
    lines.append(lines[1])
    lines.append("x@x.io,X,,,active,unmapped,,,")
    rows, found = um.mapping_file_problems("\n".join(lines) + "\n")
    assert found == [
        "line 3: drew@example.com is mapped to 'AdminRole', not a PartnerCentralRoleFor* role",
        "line 10: ace1@example.com is also on line 2",
        "line 11: x@x.io is not mapped to any role",
        f"nobody is mapped to {LEAD}",
    ]
    assert um.mapping_file_problems("a,b\n")[1] == [
        "line 1: the header must be email,name,current_roles,last_login,status,action,iam_role,iam_role_arn,reason: "
        "this is not a mapping file of user_mapping"
    ]
    assert "cannot be read" in um.read_mapping_file("/nonexistent/user_mapping.csv")[1][0]
