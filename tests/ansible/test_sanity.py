# Copyright: contributors to community.missing_collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ansible-test sanity on the collection, offline.

The collection is laid out at <tmp>/ansible_collections/community/missing_collection
as a copy of the files git tracks (plus files not yet committed and not
ignored), except the benchmark harness in benches/, and the built executables:
what a user's checkout holds after `make build`. ansible-test runs every sanity test with `--python X.Y` (the
Python running this suite); tests that have nothing to check say "No tests
applicable", which is fine, but a test skipped for any other reason fails here.

Offline setup: ansible-test gives each sanity test a virtual environment,
created without pip, into which it installs pip with a "get-pip" bootstrap
script downloaded from a host that this machine cannot reach, then the test's
pinned requirements from PyPI. It first looks for that script in its cache
(~/.ansible/test/cache/get_pip_<version>.py), so the suite puts a stand-in
there: it installs the same pip version with `python -m ensurepip` followed by
`pip install`, from PyPI. HOME points at build/ansible-test-home so none of
this touches the user's home directory.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import pytest

import ansible_test

from conftest import BIN_DIR, MODULES, REPO, ansible_version, describe, module_binary, run

GET_PIP_STAND_IN = '''\
"""Stand-in for ansible-test's get-pip bootstrap (written by tests/ansible/test_sanity.py).

Installs the requested pip with ensurepip + pip from PyPI instead of running a
downloaded get-pip.py. Takes get-pip's arguments: pip options and requirements.
"""
import subprocess
import sys

ARGS = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
subprocess.check_call([sys.executable, "-m", "pip", "install", "--disable-pip-version-check"] + ARGS)
'''

# Sanity tests that must really check something in this collection.
MUST_RUN = {
    "validate-modules", "yamllint", "runtime-metadata", "line-endings", "no-smart-quotes",
    "no-illegal-filenames", "shebang", "symlinks", "ignores", "pep8", "pylint", "compile",
}


# Left out of the layout: benches/ is the benchmark harness of `make bench` and
# its Python baselines ("a typical Python module", deliberately written the way
# other collections do it). It runs outside Ansible, is not part of the
# collection (galaxy.yml's build_ignore drops it) and is not what ansible-test
# sanity is about.
NOT_COLLECTION = ("benches/",)


def tracked_files() -> list[str]:
    proc = run(["git", "-C", REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard"])
    if proc.returncode != 0:
        pytest.fail(f"the sanity layout is made from the git checkout, but git failed:\n{describe(proc)}")
    return sorted(
        p for p in set(proc.stdout.split("\0"))
        if p and (REPO / p).is_file() and not p.startswith(NOT_COLLECTION)
    )


@pytest.fixture(scope="module")
def layout(workdir, binaries) -> Path:
    root = workdir / "sanity" / "ansible_collections" / "community" / "missing_collection"
    for rel in tracked_files():
        dest = root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, dest, follow_symlinks=False)
    for module in MODULES:
        shutil.copy2(module_binary(module), root / "plugins" / "modules" / module)
    return root


def pip_versions_wanted() -> set[str]:
    source = Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py"
    versions = set(re.findall(r"""pip\s*=\s*['"]([0-9][0-9.]*)['"]""", source.read_text()))
    if not versions:
        pytest.fail(f"could not find the pip version ansible-test bootstraps in {source}")
    return versions


def test_ansible_test_sanity(layout):
    home = REPO / "build" / "ansible-test-home"
    cache = home / ".ansible" / "test" / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    for version in pip_versions_wanted():
        (cache / f"get_pip_{version.replace('.', '_')}.py").write_text(GET_PIP_STAND_IN)

    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(
        HOME=str(home),
        PATH=f"{BIN_DIR}{os.pathsep}{env.get('PATH', '')}",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        LC_ALL="C.UTF-8",
    )
    if "PYENV_ROOT" not in env and (Path.home() / ".pyenv").is_dir():
        env["PYENV_ROOT"] = str(Path.home() / ".pyenv")
    python = "%d.%d" % sys.version_info[:2]
    cmd = [BIN_DIR / "ansible-test", "sanity", "--python", python, "--color", "no", "-v"]
    proc = run(cmd, env=env, cwd=layout, timeout=1800)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, describe(proc)

    # Split the verbose log into one section per test.
    sections: dict[str, str] = {}
    current = None
    for line in output.splitlines():
        match = re.match(r'Running sanity test "([^"]+)"', line)
        if match:
            current = match.group(1)
            sections.setdefault(current, "")
        elif current:
            sections[current] += line + "\n"
    assert sections, describe(proc)
    assert "Skipping sanity test" not in output, describe(proc)
    assert "Unable to find" not in output, describe(proc)
    not_run = sorted(t for t in MUST_RUN if t not in sections or "No tests applicable." in sections[t])
    assert not not_run, f"these sanity tests checked nothing: {not_run}\n{describe(proc)}"
    # validate-modules looked at both sidecars.
    for module in MODULES:
        assert f"plugins/modules/{module}.yml" in sections["validate-modules"], sections["validate-modules"]
    assert ansible_version() >= (2, 15)
