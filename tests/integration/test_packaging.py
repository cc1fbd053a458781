"""The collection as users get it: ansible-doc renders the modules; a built and installed collection works by FQCN."""

import os
import re
import shutil
import subprocess

import pytest
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


def test_built_and_installed_collection_converges_from_a_playbook_outside_the_repository(sandbox, tmp_path):
    dist = tmp_path / "dist"
    build = run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--output-path", str(dist)])
    assert build.returncode == 0, build.stdout + build.stderr
    (tarball,) = dist.glob("diatonic-partnercentral-*.tar.gz")

    # A user's directory: nothing of the repository, no ansible.cfg; only the install directory holds collections.
    user = tmp_path / "user"
    user.mkdir()
    installed = user / "collections"
    settings = {"ANSIBLE_COLLECTIONS_PATH": str(installed)}
    install = run(
        [os.path.join(BIN, "ansible-galaxy"), "collection", "install", str(tarball), "-p", str(installed)],
        cwd=user,
        settings=settings,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    galaxy = os.path.join(BIN, "ansible-galaxy")
    listing = run([galaxy, "collection", "list", "diatonic.partnercentral"], cwd=user, settings=settings)
    assert str(installed) in listing.stdout and ROOT not in listing.stdout, listing.stdout

    playbook = user / "partnercentral.yml"
    shutil.copy(os.path.join(HERE, "playbooks", "outside_personas.yml"), playbook)
    org = make_org(sandbox, user, members=1)

    converge = run_playbook(sandbox, str(playbook), inventory=org.inventory, cwd=user, ansible_settings=settings)

    assert converge.ok, converge.log
    assert_persona_roles(org.iam(org.partnercentral))
