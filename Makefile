# Two commands do everything (see README.md):
#   make run    set up, then run the persona roles (on the local sandbox unless INVENTORY=... is given)
#   make test   set up, then run every check and test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
COLLECTION_LINK := playbooks/collections/ansible_collections/diatonic/partnercentral

.PHONY: setup run demo test lint sanity unit integration molecule bench build clean

setup: $(VENV)/.installed $(COLLECTION_LINK)

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# Playbooks find collections next to them: link this checkout in as diatonic.partnercentral.
$(COLLECTION_LINK):
	mkdir -p $(dir $@)
	ln -sfn ../../../.. $@

run: setup
	$(BIN)/python scripts/run.py $(if $(INVENTORY),--inventory $(INVENTORY)) $(if $(APPLY),--apply)

demo: run

test: setup lint sanity unit integration molecule

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/ansible-lint --profile production

sanity: setup
	$(BIN)/python tests/run_sanity.py

unit: setup
	$(BIN)/pytest tests/unit

integration: setup
	$(BIN)/pytest tests/integration

molecule: setup
	# molecule calls ansible-playbook and ansible-config by name.
	cd extensions && PATH="$(CURDIR)/$(BIN):$$PATH" ../$(BIN)/molecule test --all

bench: setup
	$(BIN)/python bench/personas_vs_iam_role.py

build: setup
	$(BIN)/ansible-galaxy collection build --force --output-path dist

clean:
	rm -rf $(VENV) playbooks/collections dist tests/output .pytest_cache .ruff_cache
