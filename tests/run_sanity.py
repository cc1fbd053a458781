"""Run `ansible-test sanity` on the collection, as Automation Hub's importer does, and summarize the result.

    .venv/bin/python tests/run_sanity.py                  # every sanity test, newest ansible-core (make sanity)
    .venv-floor/bin/python tests/run_sanity.py            # the same on the tested floor (make sanity-floor)
    .venv/bin/python tests/run_sanity.py --test pylint    # some of them
    .venv/bin/python tests/run_sanity.py --prime          # only create ansible-test's environments

ansible-test needs the collection at .../ansible_collections/<namespace>/<name>/, and its dependencies next to
it. This checkout is copied there (the files git knows, plus untracked files that are not ignored, less what
galaxy.yml's build_ignore keeps out of the built collection), with amazon.aws from the `ansible` package linked
in beside it, in a temporary directory.

Each sanity test runs in its own virtual environment that ansible-test keeps in ~/.ansible/test/venv/. Creating
one needs PyPI once; later runs are offline. ansible-test bootstraps pip in those environments with a script from
ci-files.testing.ansible.com; when that host cannot be reached and no copy is cached, a stand-in that uses
Python's own ensurepip (then pip from PyPI) is cached in its place.

Exit status: 0 when every test passed (or had nothing to check), 1 otherwise: a test that ansible-test skipped
for a reason (no environment, no interpreter) counts as a failure. ansible-test's results (JUnit XML per test)
are copied to tests/output/sanity/<ansible-core version>/.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from xml.etree import ElementTree

import yaml
from ansible.release import __version__ as ansible_core_version

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_BIN = os.path.dirname(sys.executable)
# One directory per ansible-core version, so that the newest end's results and the floor's do not overwrite each other.
RESULTS = os.path.join(ROOT, "tests", "output", "sanity", ansible_core_version)
NOT_APPLICABLE = "No tests applicable."
# Collections the sanity tests must resolve (doc fragments, module_utils), taken from the installed `ansible`.
DEPENDENCIES = ("amazon.aws",)

GET_PIP_URL = "https://ci-files.testing.ansible.com/ansible-test/get-pip-{version}.py"
GET_PIP_STANDIN = '''\
"""Stand-in for ansible-test's get-pip {version} bootstrap script, written by diatonic.partnercentral's
tests/run_sanity.py because ci-files.testing.ansible.com could not be reached. It installs the pip that
ansible-test asks for with Python's bundled ensurepip, then pip itself from the package index.
Delete this file to have ansible-test download the real script."""
import subprocess
import sys

GET_PIP_ONLY = ("--no-setuptools", "--no-wheel")
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"])
subprocess.check_call([sys.executable, "-m", "pip", "install", *[a for a in sys.argv[1:] if a not in GET_PIP_ONLY]])
if "--no-setuptools" in sys.argv:
    subprocess.check_call([sys.executable, "-m", "pip", "uninstall", "--yes", "--quiet", "setuptools"])
'''


def galaxy_meta() -> dict:
    with open(os.path.join(ROOT, "galaxy.yml")) as galaxy:
        return yaml.safe_load(galaxy)


def shipped(path: str, build_ignore: list[str]) -> bool:
    """Whether `ansible-galaxy collection build` puts the file in the collection (galaxy.yml's build_ignore)."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return not any(fnmatch.fnmatch(prefix, pattern) for prefix in prefixes for pattern in build_ignore)


def collection_files() -> list[str]:
    """The files a clone would have: tracked, plus untracked files that are not ignored."""
    try:
        listing = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        raise SystemExit(f"sanity: cannot list the collection's files with git in {ROOT}: {e}") from e
    paths = sorted({p for p in listing.decode().split("\0") if p})
    # A tracked file deleted in the working tree is not part of what is tested.
    return [p for p in paths if os.path.lexists(os.path.join(ROOT, p))]


def installed_collection(fqcn: str) -> str:
    namespace, name = fqcn.split(".")
    for entry in sys.path:
        path = os.path.join(entry, "ansible_collections", namespace, name)
        if os.path.isdir(path):
            return path
    raise SystemExit(f"sanity: collection {fqcn} is not installed in {sys.executable}'s environment: run `make setup`")


def build_tree(workdir: str) -> str:
    """Lay the collection out for ansible-test under workdir; return the collection's directory.

    Only what the built collection ships is tested, as Galaxy's importer does: files matching galaxy.yml's
    build_ignore (the benchmark, Makefile, requirements files) are left out.
    """
    meta = galaxy_meta()
    target = os.path.join(workdir, "ansible_collections", meta["namespace"], meta["name"])
    build_ignore = meta.get("build_ignore") or []
    files = collection_files()
    left_out = sorted({p.split("/")[0] for p in files if not shipped(p, build_ignore)})
    print(f"sanity: not shipped (galaxy.yml build_ignore), not tested: {' '.join(left_out) or 'nothing'}")
    for path in files:
        if not shipped(path, build_ignore):
            continue
        source = os.path.join(ROOT, path)
        destination = os.path.join(target, path)
        os.makedirs(os.path.dirname(destination), exist_ok=True)
        shutil.copy2(source, destination, follow_symlinks=False)
    for fqcn in DEPENDENCIES:
        dependency_namespace, dependency_name = fqcn.split(".")
        link = os.path.join(workdir, "ansible_collections", dependency_namespace, dependency_name)
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(installed_collection(fqcn), link)
    return target


def pip_bootstrap_version() -> str:
    # ansible-test's own answer to "which pip goes in a new environment"; it names the bootstrap script.
    from ansible_test._internal.python_requirements import get_venv_packages

    class Python:
        version = f"{sys.version_info.major}.{sys.version_info.minor}"

    return get_venv_packages(Python())["pip"]


def ensure_pip_bootstrap() -> None:
    version = pip_bootstrap_version()
    cached = os.path.expanduser(f"~/.ansible/test/cache/get_pip_{version.replace('.', '_')}.py")
    if os.path.exists(cached):
        return
    os.makedirs(os.path.dirname(cached), exist_ok=True)
    url = GET_PIP_URL.format(version=version)
    try:
        with urllib.request.urlopen(url, timeout=15) as response:
            script = response.read()
        print(f"sanity: cached ansible-test's pip bootstrap script from {url}")
    except OSError as e:
        script = GET_PIP_STANDIN.format(version=version).encode()
        print(f"sanity: {url} unreachable ({e}); caching a stand-in that uses ensurepip: {cached}")
    with open(cached, "wb") as out:
        out.write(script)


def read_results(junit_dir: str) -> dict[str, tuple[str, str]]:
    """Test name -> (outcome, detail) from ansible-test's JUnit files."""
    results = {}
    if not os.path.isdir(junit_dir):
        return results
    for filename in sorted(os.listdir(junit_dir)):
        if not filename.endswith(".xml"):
            continue
        for case in ElementTree.parse(os.path.join(junit_dir, filename)).iter("testcase"):
            name = case.get("name")
            failures = case.findall("failure") + case.findall("error")
            skipped = case.find("skipped")
            if failures:
                detail = "\n".join((f.get("message") or "") + "\n" + (f.text or "") for f in failures).strip()
                results[name] = ("failed", detail)
            elif skipped is not None:
                reason = skipped.get("message") or skipped.text or NOT_APPLICABLE
                results[name] = ("not applicable" if reason == NOT_APPLICABLE else "skipped", reason)
            else:
                results[name] = ("passed", "")
    return results


def summarize(results: dict[str, tuple[str, str]], returncode: int) -> bool:
    by_outcome: dict[str, list[str]] = {}
    for name, result in sorted(results.items()):
        by_outcome.setdefault(result[0], []).append(name)
    print("\n=== ansible-test sanity summary ===")
    for outcome in ("passed", "not applicable", "skipped", "failed"):
        names = by_outcome.get(outcome, [])
        print(f"{outcome:>15}: {len(names):2d}  {' '.join(names)}")
    for name, (outcome, detail) in sorted(results.items()):
        if outcome in ("skipped", "failed"):
            print(f"\n--- {name}: {outcome} ---\n{detail}")
    # A test skipped for a reason (no environment, no interpreter) checked nothing: that is not a pass.
    ok = returncode == 0 and bool(results) and not by_outcome.get("failed") and not by_outcome.get("skipped")
    if not results:
        print("\nno sanity results were written: see ansible-test's output above")
    print(f"\nsanity: {'PASSED' if ok else 'FAILED'} (ansible-test exit status {returncode}); results in {RESULTS}")
    return ok


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--test", action="append", default=[], help="run only this sanity test (repeatable)")
    parser.add_argument("--skip-test", action="append", default=[], help="skip this sanity test (repeatable)")
    parser.add_argument("--prime", action="store_true", help="create the tests' environments without running them")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy ansible-test ran in")
    parser.add_argument("-v", "--verbose", action="count", default=0)
    args = parser.parse_args(argv)

    ensure_pip_bootstrap()
    workdir = tempfile.mkdtemp(prefix="partnercentral-sanity-")
    try:
        collection = build_tree(workdir)
        python = f"{sys.version_info.major}.{sys.version_info.minor}"
        command = [os.path.join(VENV_BIN, "ansible-test"), "sanity", "--python", python, "--local", "--color", "no"]
        command += ["--prime-venvs"] if args.prime else ["--junit"]
        command += [f"--test={name}" for name in args.test] + [f"--skip-test={name}" for name in args.skip_test]
        command += ["-v"] * args.verbose
        print(f"sanity: {' '.join(command)}\n  in {collection}", flush=True)
        # ansible-test finds its tools (ansible-doc, ...) on PATH: use this environment's.
        env = dict(os.environ, PATH=VENV_BIN + os.pathsep + os.environ.get("PATH", ""))
        returncode = subprocess.run(command, cwd=collection, env=env, check=False).returncode
        if args.prime:
            return returncode

        output = os.path.join(collection, "tests", "output")
        shutil.rmtree(RESULTS, ignore_errors=True)
        if os.path.isdir(output):
            shutil.copytree(output, RESULTS, ignore=shutil.ignore_patterns(".tmp"))
        return 0 if summarize(read_results(os.path.join(output, "junit")), returncode) else 1
    finally:
        if args.keep:
            print(f"sanity: kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
