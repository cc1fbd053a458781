"""execution-environment.yml: `ansible-builder create` writes the build context offline, with this collection in it.

No container is built (that needs a container runtime and the network); the test proves what the build would get:
the collection tarball `ansible-galaxy collection build` makes, a galaxy requirements file that names it where the
Containerfile installs it from, ansible-runner pinned, and the Python requirements.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import yaml
from integration_support import BIN
from integration_support import ROOT
from integration_support import ansible_env

# Any attempt to reach the network goes to a closed port and fails.
OFFLINE = {"HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9", "NO_PROXY": ""}


def test_ansible_builder_creates_the_build_context_offline_with_the_collection(installed_collection, tmp_path):
    for name in ("execution-environment.yml", "execution-environment"):
        source = os.path.join(ROOT, name)
        (shutil.copytree if os.path.isdir(source) else shutil.copy)(source, tmp_path / name)
    (tmp_path / "dist").mkdir()
    shutil.copy(installed_collection.tarball, tmp_path / "dist")
    env = {**ansible_env(os.environ), **OFFLINE}

    created = subprocess.run(
        [
            os.path.join(BIN, "ansible-builder"),
            "create",
            "-f",
            "execution-environment.yml",
            "-c",
            "context",
            "--output-filename",
            "Containerfile",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert created.returncode == 0, created.stdout + created.stderr
    assert "No matches" not in created.stdout + created.stderr
    build = tmp_path / "context" / "_build"
    containerfile = (tmp_path / "context" / "Containerfile").read_text()
    assert "ansible-runner==2.4.3" in containerfile
    assert "ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml" in containerfile
    python_requirements = (build / "requirements.txt").read_text()
    assert "boto3>=" in python_requirements and "botocore>=" in python_requirements
    collections = yaml.safe_load((build / "requirements.yml").read_text())["collections"]
    assert "amazon.aws" in [entry["name"] for entry in collections]

    # The Containerfile installs from /build, the context's _build: the tarball entry must resolve there, and it
    # must be this version of the collection (galaxy.yml's), which a version bump would break.
    (tarball,) = [entry["name"] for entry in collections if entry.get("type") == "file"]
    assert os.path.basename(tarball) == os.path.basename(installed_collection.tarball)
    installed = subprocess.run(
        [
            os.path.join(BIN, "ansible-galaxy"),
            "collection",
            "install",
            tarball,
            "--no-deps",
            "-p",
            str(tmp_path / "collections"),
        ],
        cwd=build,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    plugin = tmp_path / "collections" / "ansible_collections" / "diatonic" / "partnercentral" / "plugins"
    assert (plugin / "inventory" / "aws_organization.py").is_file()
