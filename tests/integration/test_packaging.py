"""The collection as users get it: ansible-doc renders the modules; a built and installed collection works by FQCN."""

import os
import re
import shutil
import subprocess

import pytest
import yaml
from integration_support import BIN
from integration_support import HERE
from integration_support import ROOT
from integration_support import ansible_env
from integration_support import assert_persona_roles
from integration_support import make_org
from integration_support import run_playbook

ROLE_OPTIONS = ["name", "state", "managed_policies", "description", "path", "max_session_duration", "tags"]


def run(command, cwd=ROOT, settings=None):
    return subprocess.run(
        command,
        check=False,  # callers assert on the exit code with the output in the message
        cwd=cwd,
        env=ansible_env(os.environ, settings),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "module, options",
    [
        ("partnercentral_role", [*ROLE_OPTIONS, "purge_policies", "purge_tags"]),
        ("partnercentral_roles", ["roles", *ROLE_OPTIONS, "purge_policies", "purge_tags"]),
    ],
)
def test_ansible_doc_renders_the_module_with_its_options(module, options):
    doc = run([os.path.join(BIN, "ansible-doc"), f"diatonic.partnercentral.{module}"])

    assert doc.returncode == 0, doc.stderr
    assert "Partner Central" in doc.stdout
    options_section = re.search(r"^OPTIONS.*?(?=^[A-Z][A-Z ]+:$)", doc.stdout, re.MULTILINE | re.DOTALL)
    assert options_section, doc.stdout
    # ansible-doc marks each option (and suboption) "= name" when required, "- name" otherwise.
    documented = set(re.findall(r"^\s*[=-] (\w+)\s", options_section.group(), re.MULTILINE))
    assert set(options) <= documented, doc.stdout
    assert {"access_key", "profile", "region"} <= documented, "amazon.aws's connection options are not documented"
    assert "EXAMPLES:" in doc.stdout and "RETURN VALUES:" in doc.stdout, doc.stdout


@pytest.fixture(scope="module")
def outside(sandbox, tmp_path_factory, installed_collection):
    """A user's directory (nothing of the repository, no ansible.cfg; only the install directory holds
    collections) with playbooks/outside_personas.yml and an organization's inventory; its one run."""
    user = tmp_path_factory.mktemp("user")
    settings = installed_collection.settings()
    playbook = user / "partnercentral.yml"
    shutil.copy(os.path.join(HERE, "playbooks", "outside_personas.yml"), playbook)
    org = make_org(sandbox, user, members=1)
    converge = run_playbook(sandbox, str(playbook), inventory=org.inventory, cwd=user, ansible_settings=settings)
    return org, converge


def test_built_and_installed_collection_converges_from_a_playbook_outside_the_repository(installed_collection, outside):
    user = os.path.dirname(outside[0].inventory)
    settings = installed_collection.settings()
    galaxy = os.path.join(BIN, "ansible-galaxy")
    listing = run([galaxy, "collection", "list", "diatonic.partnercentral"], cwd=user, settings=settings)
    assert installed_collection.collections_path in listing.stdout and ROOT not in listing.stdout, listing.stdout
    org, converge = outside

    assert converge.ok, converge.log
    assert_persona_roles(org.iam(org.partnercentral))


def test_one_module_defaults_line_reaches_the_amazon_aws_modules_too(outside):
    # outside_personas.yml sets module_defaults for group/diatonic.partnercentral.aws only; its amazon.aws
    # iam_role_info task listed the host's account's roles (its assert task checks whose they are).
    org, converge = outside
    assert converge.ok, converge.log
    assert "The roles amazon.aws listed are the host's account's" in converge.stdout, converge.log
    (listed,) = converge.results("List the account's roles with amazon.aws")
    arns = [role["arn"] for role in listed["iam_roles"] if ":role/PartnerCentralRoleFor" in role["arn"]]
    assert len(arns) == 7 and all(arn.split(":")[4] == org.partnercentral for arn in arns), arns


def test_ansible_builder_finds_the_python_requirements_of_the_installed_collection(installed_collection):
    introspect = run(
        [os.path.join(BIN, "ansible-builder"), "introspect", installed_collection.collections_path],
        settings=installed_collection.settings(),
    )

    assert introspect.returncode == 0, introspect.stdout + introspect.stderr
    # The output is YAML after a comment line; each entry is "<requirement>  # from collection <name>".
    found = yaml.safe_load(introspect.stdout)
    python = [entry.split("#")[0].strip() for entry in found["python"]]
    names = {re.split(r"[<>=!~ ;\[]", requirement)[0].lower() for requirement in python}
    assert {"boto3", "botocore"} <= names, introspect.stdout
    assert all(re.search(r">=\s*\d", r) for r in python), f"requirements are floors, not pins: {python}"
    # Users bring their own Ansible; the collection must not pin it into an execution environment.
    assert not names & {"ansible", "ansible-core"}, introspect.stdout


def test_no_shipped_file_refers_to_a_document_that_does_not_ship(installed_collection):
    shipped = shipped_paths(installed_collection.path)
    assert {"README.md", "requirements.txt", "CHANGELOG.md", "changelogs/changelog.yaml"} <= shipped, sorted(shipped)
    assert not {"requirements-dev.txt", "requirements-floor.txt", "Makefile", "tests/sandbox"} & shipped

    dangling = []
    for relative in sorted(shipped):
        path = os.path.join(installed_collection.path, relative)
        if relative in ("MANIFEST.json", "FILES.json") or os.path.isdir(path):
            continue
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except UnicodeDecodeError:
            continue
        dangling += [
            f"{relative}: {target}"
            for target in references(text, markdown=relative.endswith(".md"))
            if not found(target, relative, shipped) and os.path.basename(target) not in WRITTEN_FOR_PEOPLE
        ]

    assert not dangling, "shipped files refer to documents the collection does not ship:\n" + "\n".join(dangling)


# --- what ships, and which documents a shipped file refers to ------------------

URL = re.compile(r"[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")
# A document by name or path (DESIGN.md, bench/README.md), or any path out of the collection (../shared/x).
DOCUMENT_OR_OUTSIDE = re.compile(
    r"(?<![\w.~/${-])((?:\.\./)+[\w.-]+(?:/[\w.-]+)*/?|(?:[\w.-]+/)*[\w.-]+\.(?:md|rst))\b"
)


def shipped_paths(collection: str) -> set[str]:
    """Every file and directory of the installed collection, relative to it."""
    paths = set()
    for directory, subdirectories, files in os.walk(collection):
        for name in subdirectories + files:
            paths.add(os.path.relpath(os.path.join(directory, name), collection))
    return paths


# Documents the collection writes for the person running it (reports, the user mapping), named in its docs and
# defaults: outputs, not documents it refers readers to.
WRITTEN_FOR_PEOPLE = {"readiness.md", "user_mapping.md", "my-checks.md"}


def references(text: str, markdown: bool = True) -> set[str]:
    """What a text refers to: its Markdown links (in a Markdown file; not to a heading) and the documents it
    names, URLs left out."""
    text = URL.sub(" ", text)
    links = set()
    if markdown:
        links = {target.split("#")[0] for target in MARKDOWN_LINK.findall(text) if not target.startswith("#")}
    return links | set(DOCUMENT_OR_OUTSIDE.findall(text))


def found(target: str, referrer: str, shipped: set[str]) -> bool:
    """Whether ``target``, named in the shipped file ``referrer``, is in the installed collection: read from the
    referrer's directory or from the collection's root; a bare file name anywhere in it."""
    target = target.rstrip("/")
    candidates = {os.path.normpath(os.path.join(os.path.dirname(referrer), target)), os.path.normpath(target)}
    if candidates & shipped:
        return True
    return "/" not in target and any(os.path.basename(path) == target for path in shipped)
