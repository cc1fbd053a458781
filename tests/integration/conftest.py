"""Fixtures for the integration tests: a sandbox per test module, a fresh organization per test.

One sandbox server per test process (each pytest-xdist worker), reset between test modules: each module gets a
sandbox that answers as a newly started one (POST /_sandbox/reset), without the seconds of CPU a start costs.
``PC_SANDBOX_PER_FILE=1`` starts a new server for each module instead (as before the shared one: for telling a
leak between modules from a test's own failure, and for measuring what sharing saves).
Every test writes its own inventory (DESIGN.md contract 2) with new account IDs and seeds it into the module's
sandbox, so a module's tests share it without seeing each other's roles.
"""

import os
import subprocess
import sys
from typing import NamedTuple

import pytest
from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder

# Their assertions are the tests' own (pytest only rewrites test modules and conftest.py unless told).
pytest.register_assert_rewrite("integration_support", "preflight")

from integration_support import BIN  # noqa: E402
from integration_support import ROOT  # noqa: E402
from integration_support import ansible_env  # noqa: E402
from integration_support import make_org  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "tests", "sandbox"))

from runner import Sandbox  # noqa: E402

COLLECTION_LINK = os.path.join(ROOT, "playbooks", "collections", "ansible_collections", "diatonic", "partnercentral")


def pytest_configure(config):
    if not os.path.isdir(os.path.join(COLLECTION_LINK, "plugins")):
        raise pytest.UsageError(f"{COLLECTION_LINK} is missing: run `make setup` first")
    # module_in_process imports the collection's modules as ansible-playbook would find them.
    if _AnsibleCollectionFinder._find_existing_finder() is None:
        _AnsibleCollectionFinder(paths=[os.path.dirname(os.path.dirname(os.path.dirname(COLLECTION_LINK)))])._install()


def pytest_collection_modifyitems(items):
    """Files marked long_file first: `--dist loadfile` hands files to the workers in collection order, and a long
    file handed out last would end the run alone (a stable sort keeps each file's tests together and in order)."""
    items.sort(key=lambda item: item.get_closest_marker("long_file") is None)


def _started_sandbox(tmp_path_factory):
    log_path = tmp_path_factory.mktemp("sandbox") / "sandbox.log"
    return Sandbox(log_path=str(log_path))


@pytest.fixture(scope="session")
def worker_sandbox(tmp_path_factory):
    """The test process's sandbox server; tests use ``sandbox`` (reset for each module) or ``own_sandbox``."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    running = _started_sandbox(tmp_path_factory)
    # With PC_RUNLOG: each module's share is logged under the module; what is left (the start) under this label.
    running.label = f"sandbox server start ({worker})"
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def sandbox(request, tmp_path_factory):
    """The sandbox for the test module, as newly started (the worker's server, reset); the default credentials'
    account is 123456789012. With PC_RUNLOG, the server's CPU while the module used it is logged as its share."""
    if os.environ.get("PC_SANDBOX_PER_FILE"):
        with _started_sandbox(tmp_path_factory) as running:
            yield running
        return
    shared = request.getfixturevalue("worker_sandbox")
    if shared.process is None or shared.process.poll() is not None:
        shared.stop()  # it died (its log says why): a new one for the modules still to run
        shared.start()
    since = shared.cpu_seconds()
    shared.reset()
    yield shared
    shared.log_cpu_share(request.node.nodeid, since)


@pytest.fixture
def own_sandbox(tmp_path_factory):
    """A sandbox for one test, for tests that change the default credentials' own account."""
    with _started_sandbox(tmp_path_factory) as running:
        yield running


@pytest.fixture
def new_org(sandbox, tmp_path):
    """Factory: a new organization seeded in the module's sandbox (see integration_support.make_org)."""
    made = []

    def make(**options):
        directory = tmp_path / f"org{len(made) + 1}"
        directory.mkdir()
        made.append(make_org(sandbox, directory, **options))
        return made[-1]

    return make


@pytest.fixture
def member(new_org):
    """A new member account (its ID) of the module's sandbox organization: a new organization's Partner Central
    account, reached with the default credentials' OrganizationAccountAccessRole."""
    return new_org(members=1).partnercentral


class InstalledCollection(NamedTuple):
    tarball: str
    # What ANSIBLE_COLLECTIONS_PATH must be for the installed collection (and only it) to be found.
    collections_path: str
    # The installed collection: .../ansible_collections/diatonic/partnercentral.
    path: str

    def settings(self) -> dict:
        return {"ANSIBLE_COLLECTIONS_PATH": self.collections_path}


@pytest.fixture(scope="session")
def installed_collection(tmp_path_factory):
    """The collection as users get it: built by `ansible-galaxy collection build` from this checkout and
    installed from the tarball into a directory of its own (once per test process)."""
    dist = tmp_path_factory.mktemp("dist")
    collections_path = tmp_path_factory.mktemp("collections")
    galaxy = os.path.join(BIN, "ansible-galaxy")
    env = ansible_env(os.environ, {"ANSIBLE_COLLECTIONS_PATH": str(collections_path)})
    build = subprocess.run(
        [galaxy, "collection", "build", "--output-path", str(dist)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    (tarball,) = dist.glob("diatonic-partnercentral-*.tar.gz")
    install = subprocess.run(
        [galaxy, "collection", "install", str(tarball), "-p", str(collections_path)],
        cwd=str(dist),
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    path = collections_path / "ansible_collections" / "diatonic" / "partnercentral"
    return InstalledCollection(str(tarball), str(collections_path), str(path))


@pytest.fixture
def faults(sandbox):
    """Inject faults into the module's sandbox (runner.Sandbox.inject_faults); switched off after the test."""
    yield sandbox.inject_faults
    sandbox.inject_faults()
