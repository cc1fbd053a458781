"""The pure parts of bench/org_scale.py (figures, growth, targets, table) and of its module_count callback: no
sandbox, no AWS, no ansible-playbook."""

import importlib.util
import json
import os
from types import SimpleNamespace

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load(name, *path):
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, *path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = load("org_scale", "bench", "org_scale.py")
module_count = load("module_count", "bench", "callback_plugins", "module_count.py")


def run(seconds, calls, modules, organizations, checked):
    return {
        "seconds": seconds,
        "checked_accounts": checked,
        "aws_calls": {"total": calls, "per_account": round(calls / checked, 2), "by_operation": {}},
        "module_executions": {"total": modules, "per_account": round(modules / checked, 2), "by_module": {}},
        "organizations_calls": {"total": organizations, "per_account": 0, "by_operation": {}},
    }


def results(baseline_at, cli_at_50=None, preflight_calls=(23, 23)):
    """Baseline over 10 and 50 accounts (per-account figures as given), preflight on its two accounts."""
    sizes = {}
    for size, (seconds, calls, modules, organizations) in baseline_at.items():
        sizes[str(size)] = {
            "baseline": {"collection": run(seconds, calls, modules, organizations, size)},
            "preflight": {"collection": run(20.0, preflight_calls[size != 10], 6, organizations + 4, 2)},
        }
    if cli_at_50 is not None:
        sizes["50"]["baseline"]["cli"] = {**run(cli_at_50, 350, 0, 0, 50), "module_executions": {}}
    return {"sizes": sizes}


def by_target(found, phase, words):
    [target] = [t for t in found if t["phase"] == phase and words in t["target"]]
    return target


def test_calls_per_checked_account_split_organizations_from_the_rest():
    calls = [
        {"service": "sts", "operation": "AssumeRole"},
        {"service": "iam", "operation": "ListUsers"},
        {"service": "iam", "operation": "ListUsers"},
        {"service": "organizations", "operation": "ListRoots"},
    ]

    assert bench.call_figures(calls, 2) == {
        "total": 3,
        "per_account": 1.5,
        "by_operation": {"iam:ListUsers": 2, "sts:AssumeRole": 1},
    }
    assert bench.call_figures(calls, 2, organizations=True)["by_operation"] == {"organizations:ListRoots": 1}


def test_module_executions_are_summed_over_hosts_per_module():
    counts = {
        "a": {"amazon.aws.sts_assume_role": 1, "x.y.security_baseline_info": 1},
        "b": {"x.y.security_baseline_info": 1},
    }

    assert bench.module_figures(counts, 2) == {
        "total": 3,
        "per_account": 1.5,
        "by_module": {"amazon.aws.sts_assume_role": 1, "x.y.security_baseline_info": 2},
    }


def test_growth_is_relative_to_the_smallest_size_of_ten_or_more():
    assert bench.growth({1: 4.0, 10: 10.0, 50: 30.0, 200: 100.0}) == {"1": 0.4, "10": 1.0, "50": 3.0, "200": 10.0}
    # Below 10 accounts only: the smallest size is the reference; a zero reference has no ratio.
    assert bench.growth({1: 2.0, 3: 3.0}) == {"1": 1.0, "3": 1.5}
    assert bench.growth({10: 0, 50: 0}) == {"10": None, "50": None}


def test_preflight_and_validate_check_two_accounts_whatever_the_organization_size():
    assert [bench.checked_accounts("baseline", n) for n in (1, 10, 200)] == [1, 10, 200]
    assert [bench.checked_accounts(p, n) for p in ("preflight", "validate") for n in (2, 200)] == [2, 2, 2, 2]


def test_the_organizations_bound_grows_with_pages_not_accounts():
    # 5 organizational units walked: 2 + 5 + 5 + one page per 20 accounts.
    assert bench.organizations_bound("baseline", 10) == 13
    assert bench.organizations_bound("baseline", 200) == 22
    # preflight adds its own DescribeOrganization (x2), a ListAccounts page per 20 accounts, one spare.
    assert bench.organizations_bound("preflight", 200) == 22 + 3 + 10


def test_targets_met_when_per_account_figures_stay_and_the_collection_is_three_times_faster():
    found = bench.targets(results({10: (20.0, 61, 20, 12), 50: (40.0, 305, 100, 13)}, cli_at_50=130.0))

    assert by_target(found, "baseline", "AWS calls per checked account")["met"]
    assert by_target(found, "baseline", "AWS calls per checked account")["value"] == "6.1 -> 6.1"
    assert by_target(found, "baseline", "module executions")["met"]
    assert by_target(found, "baseline", "Organizations calls at 50")["met"]
    speed = by_target(found, "baseline", "faster than the AWS CLI loop")
    assert speed["met"] and speed["value"].startswith("3.25x")
    assert by_target(found, "preflight", "AWS calls per checked account")["met"]


def test_targets_not_met_when_a_figure_grows_per_account_or_the_loop_is_close():
    found = bench.targets(
        results({10: (20.0, 61, 20, 12), 50: (40.0, 355, 101, 60)}, cli_at_50=100.0, preflight_calls=(23, 30))
    )

    assert not by_target(found, "baseline", "AWS calls per checked account")["met"]
    assert not by_target(found, "baseline", "module executions")["met"]
    assert not by_target(found, "baseline", "Organizations calls at 50")["met"]
    assert not by_target(found, "baseline", "faster than the AWS CLI loop")["met"]
    assert not by_target(found, "preflight", "AWS calls per checked account")["met"]


def test_no_constancy_target_without_two_sizes_of_ten_or_more():
    found = bench.targets(results({1: (10.0, 8, 2, 12), 10: (20.0, 61, 20, 12)}))

    assert not [t for t in found if "constant" in t["target"]]


def test_the_table_shows_every_run_its_growth_and_the_targets():
    figures = results({10: (20.0, 61, 20, 12), 50: (40.0, 305, 100, 13)}, cli_at_50=130.0)
    figures["sizes"]["10"]["validate"] = {"collection": {"skipped": "needs the Partner Central account"}}
    figures["targets"] = bench.targets(figures)

    text = bench.table(figures)

    assert "baseline.yml" in text and "preflight.yml" in text
    [row] = [line for line in text.splitlines() if line.split()[:2] == ["50", "cli"]]
    assert row.split()[2:5] == ["50", "130.0", "350"]
    assert "growth collection seconds: 10: 1.0, 50: 2.0" in text
    assert "needs the Partner Central account" in text
    assert "MET      baseline: at 50 accounts at least 3x faster than the AWS CLI loop: 3.25x" in text


def test_phases_and_sizes_from_the_command_line():
    assert bench.sizes_of("50, 1,10,,10") == [1, 10, 50]
    assert bench.phases_of("validate,baseline") == ["baseline", "validate"]
    with pytest.raises(ValueError, match="unknown phase"):
        bench.phases_of("baseline,site")


def test_a_load_above_half_the_cpus_marks_the_times_as_not_headline_figures():
    assert bench.loaded(1.5, 2)
    assert not bench.loaded(0.9, 2)


def result(action, host="acct-1", module_process=True):
    """A task's result as a callback gets it; a module process adds its options (``invocation``)."""
    answer = {"invocation": {"module_args": {}}} if module_process else {}
    return SimpleNamespace(
        _task=SimpleNamespace(action=action), _host=SimpleNamespace(get_name=lambda: host), _result=answer
    )


def test_module_count_counts_modules_sent_not_what_the_controller_answers(tmp_path, monkeypatch):
    path = tmp_path / "modules.json"
    monkeypatch.setenv("MODULE_COUNT_PATH", str(path))
    callback = module_count.CallbackModule()

    callback.v2_runner_on_ok(result("amazon.aws.sts_assume_role"))
    callback.v2_runner_on_failed(result("diatonic.partnercentral.security_baseline_info"))
    # The same module in the controller's process (plugin_utils/controller_module.py): no module process.
    callback.v2_runner_on_ok(result("diatonic.partnercentral.security_baseline_info", module_process=False))
    # A module that always runs as a module is counted, whatever its result holds.
    callback.v2_runner_on_ok(result("diatonic.partnercentral.partnercentral_roles", module_process=False))
    callback.v2_runner_on_ok(result("ansible.builtin.set_fact"))
    callback.v2_runner_on_ok(result("diatonic.partnercentral.report_file"))
    callback.v2_runner_on_ok(result("diatonic.partnercentral.account_credentials"))
    callback.v2_runner_on_unreachable(result("amazon.aws.aws_caller_info", host="acct-2"))
    callback.v2_playbook_on_stats(None)

    assert json.loads(path.read_text()) == {
        "acct-1": {
            "amazon.aws.sts_assume_role": 1,
            "diatonic.partnercentral.security_baseline_info": 1,
            "diatonic.partnercentral.partnercentral_roles": 1,
        },
        "acct-2": {"amazon.aws.aws_caller_info": 1},
    }


def test_repeated_runs_keep_the_median_run_with_every_time_beside_it():
    fast, middle, slow = ({"seconds": s, "aws_calls": {"total": s}} for s in (40.0, 51.5, 170.8))

    kept = bench.median_run([slow, fast, middle])

    assert kept["seconds"] == 51.5 and kept["aws_calls"] == {"total": 51.5}
    assert kept["runs_seconds"] == [40.0, 51.5, 170.8]
    assert bench.median_run([fast]) == fast
    skipped = {"skipped": "no AWS CLI"}
    assert bench.median_run([skipped, skipped]) == skipped


def test_the_speed_target_is_judged_on_the_median_runs_with_the_best_runs_beside_them():
    figures = results({10: (20.0, 61, 20, 12), 50: (40.0, 305, 100, 13)}, cli_at_50=110.0)
    figures["sizes"]["50"]["baseline"]["collection"]["runs_seconds"] = [30.0, 40.0, 90.0]
    figures["sizes"]["50"]["baseline"]["cli"]["runs_seconds"] = [105.0, 110.0, 140.0]

    target = by_target(bench.targets(figures), "baseline", "faster than the AWS CLI loop")

    # 110 / 40 = 2.75x on the medians: not met, though the best runs (105 / 30 = 3.5x) would be.
    assert not target["met"]
    assert target["value"] == "2.75x (40.0 s vs 110.0 s); best runs 3.50x (30.0 s vs 105.0 s)"
