"""Make the collection importable as ansible_collections.diatonic.partnercentral in unit tests.

`make setup` links this checkout in as playbooks/collections/ansible_collections/diatonic/partnercentral.
Ansible's own collection finder (as ansible-test's pytest plugin installs it) then serves both that path
and the collections installed with the ``ansible`` package (amazon.aws) under one ``ansible_collections``.
"""

import os

import pytest
from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS_PATH = os.path.join(ROOT, "playbooks", "collections")
COLLECTION_LINK = os.path.join(COLLECTIONS_PATH, "ansible_collections", "diatonic", "partnercentral")


def pytest_configure(config):
    if not os.path.isdir(os.path.join(COLLECTION_LINK, "plugins")):
        raise pytest.UsageError(f"{COLLECTION_LINK} is missing: run `make setup` first")
    if _AnsibleCollectionFinder._find_existing_finder() is None:
        _AnsibleCollectionFinder(paths=[COLLECTIONS_PATH])._install()
