# Two commands do everything (see README.md):
#   make run    set up, then run the persona roles (on the local sandbox unless INVENTORY=... is given)
#   make test   set up, then every check and test, on both ends of the tested version matrix:
#               the newest ansible-core and amazon.aws (.venv, requirements-dev.txt): lint and the whole suite;
#               the floor, meta/runtime.yml's requires_ansible (.venv-floor, requirements-floor.txt):
#               sanity, unit tests and a smoke run of the main playbooks.
# The newest Python that the newest ansible-core supports, and the floor's Python (scripts/find_python.sh);
# `make PYTHON=/path/to/python3.13` picks one yourself.
PYTHON ?= $(shell scripts/find_python.sh)
FLOOR_PYTHON ?= $(shell scripts/find_python.sh --floor)
VENV := .venv
BIN := $(VENV)/bin
FLOOR_VENV := .venv-floor
FLOOR_BIN := $(FLOOR_VENV)/bin
COLLECTION_LINK := playbooks/collections/ansible_collections/diatonic/partnercentral
# Integration tests are isolated and mostly CPU-bound: each test module on one worker so that its shared runs
# (module-scoped fixtures) are made once; each worker starts one sandbox, reset between modules (conftest.py);
# a long module is split in files of a few minutes each so that the workers finish together. One worker more than
# there are cores keeps them busy while fault tests wait out AWS retries. `make integration PYTEST_WORKERS=0` runs
# them one by one.
PYTEST_WORKERS ?= $(shell echo $$(( $$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2) + 1 )))
PARALLEL := -n $(PYTEST_WORKERS) --dist loadfile
# The floor's smoke run: personas.yml previewed, applied and re-run, the pre-flight playbook, and the built
# collection installed (its amazon.aws dependency met by the floor's) and run from a user's directory.
FLOOR_SMOKE := tests/integration/test_personas_playbook.py::test_check_mode_writes_nothing_and_its_diff_names_the_seven_roles \
	tests/integration/test_personas_playbook.py::test_apply_creates_exactly_the_seven_roles_in_the_partner_central_account_only \
	tests/integration/test_personas_playbook.py::test_rerun_reports_no_change_and_writes_nothing \
	tests/integration/test_preflight.py::test_a_correct_setup_is_ready_in_both_modes_and_changes_nothing \
	tests/integration/test_module_on_controller.py::test_in_the_controllers_process_the_result_is_the_modules \
	tests/integration/test_packaging.py::test_built_and_installed_collection_converges_from_a_playbook_outside_the_repository

.PHONY: setup setup-floor run demo test test-newest test-floor lint sanity unit integration molecule \
	sanity-floor unit-floor smoke-floor bench build clean

setup: $(VENV)/.installed $(COLLECTION_LINK)

setup-floor: $(FLOOR_VENV)/.installed $(COLLECTION_LINK)

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -n "$(PYTHON)" || { echo "no Python 3.12 to 3.14 found for $(VENV) (see scripts/find_python.sh)" >&2; exit 1; }
	$(PYTHON) -c 'import sys; sys.exit("ansible-core 2.20+ needs Python 3.12+, found " + sys.version.split()[0]) if sys.version_info < (3, 12) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

$(FLOOR_VENV)/.installed: requirements.txt requirements-floor.txt
	@test -n "$(FLOOR_PYTHON)" || { echo "no Python 3.11 found for $(FLOOR_VENV) (see scripts/find_python.sh)" >&2; exit 1; }
	$(FLOOR_PYTHON) -m venv $(FLOOR_VENV)
	$(FLOOR_BIN)/pip install --quiet --upgrade pip
	$(FLOOR_BIN)/pip install --quiet -r requirements-floor.txt
	touch $@

# Playbooks find collections next to them: link this checkout in as diatonic.partnercentral.
$(COLLECTION_LINK):
	mkdir -p $(dir $@)
	ln -sfn ../../../.. $@

run: setup
	$(BIN)/python scripts/run.py $(if $(INVENTORY),--inventory $(INVENTORY)) $(if $(APPLY),--apply)

demo: run

# Lint, sanity, unit tests, molecule and the floor's smoke run each keep about one core busy: they run two at a
# time, each one's output printed whole when it ends. Then the integration tests keep every core busy by themselves.
test: setup setup-floor
	$(MAKE) --no-print-directory --jobs=2 --output-sync=target PYTEST_WORKERS=0 \
		lint sanity smoke-floor molecule sanity-floor unit unit-floor
	$(MAKE) --no-print-directory integration

test-newest: sanity unit integration molecule

test-floor: sanity-floor unit-floor smoke-floor

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/antsibull-changelog lint
	$(BIN)/antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml
	$(BIN)/ansible-lint --profile production

sanity: setup
	$(BIN)/python tests/run_sanity.py

unit: setup
	$(BIN)/pytest tests/unit

integration: setup
	$(BIN)/pytest $(PARALLEL) tests/integration

molecule: setup
	# molecule calls ansible-playbook and ansible-config by name.
	cd extensions && PATH="$(CURDIR)/$(BIN):$$PATH" ../$(BIN)/molecule test --all

# On the floor, what depends on the ansible-core version (compile and import on its Python, ansible-doc,
# validate-modules, runtime metadata, ...); code style (pylint, pep8) is checked once, on the newest end.
sanity-floor: setup-floor
	$(FLOOR_BIN)/python tests/run_sanity.py --skip-test pylint --skip-test pep8

unit-floor: setup-floor
	$(FLOOR_BIN)/pytest tests/unit

smoke-floor: setup-floor
	$(FLOOR_BIN)/pytest $(PARALLEL) $(FLOOR_SMOKE)

bench: setup
	$(BIN)/python bench/personas_vs_iam_role.py

build: setup
	$(BIN)/ansible-galaxy collection build --force --output-path dist

clean:
	rm -rf $(VENV) $(FLOOR_VENV) playbooks/collections dist tests/output .pytest_cache .ruff_cache
