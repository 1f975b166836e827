# Copyright: contributors to community.missing_collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ansible-galaxy builds a clean tarball with the executables; the installed copy works."""

from __future__ import annotations

import fnmatch
import json
import tarfile

import pytest
import yaml

from conftest import COLLECTION, INFO, LOGIN, MODULES, REPO, describe, parse_adhoc, run, tool

# What must not be in the tarball (fnmatch against member names).
LITTER = [
    "target", "target/*", "src", "src/*", "benches", "benches/*", "Cargo.toml", "Cargo.lock",
    "clippy.toml", "rustfmt.toml", ".cargo*", "tests/fakehub*", "tests/*.rs", "tests/ansible*",
    "tests/output*", ".venv*", "build", "build/*", "*.tar.gz", "*__pycache__*", "*.pyc",
    "*.pytest_cache*", ".git", ".git/*", ".gitignore", ".ci*", "scripts*", "Makefile", "*~", "*.swp",
]
REQUIRED = [
    "MANIFEST.json", "FILES.json", "README.md", "LICENSE", "CHANGELOG.md", "meta/runtime.yml",
    *(f"plugins/modules/{m}" for m in MODULES),
    *(f"plugins/modules/{m}.yml" for m in MODULES),
]


@pytest.fixture(scope="module")
def tarball(workdir, ansible_env):
    out = workdir / "galaxy-build"
    out.mkdir()
    proc = run([tool("ansible-galaxy"), "collection", "build", str(REPO), "--output-path", str(out)], env=ansible_env)
    assert proc.returncode == 0, describe(proc)
    version = yaml.safe_load((REPO / "galaxy.yml").read_text())["version"]
    path = out / f"community-missing_collection-{version}.tar.gz"
    assert path.is_file(), describe(proc)
    return path


def test_tarball_members(tarball):
    with tarfile.open(tarball) as tar:
        members = {m.name: m for m in tar.getmembers()}
    names = sorted(members)
    for required in REQUIRED:
        assert required in members, f"{required} missing from {tarball.name}: {names}"
    litter = [n for n in names if any(fnmatch.fnmatch(n, pattern) for pattern in LITTER)]
    assert not litter, f"build litter in the tarball: {litter}"
    for module in MODULES:
        member = members[f"plugins/modules/{module}"]
        assert member.isfile()
        assert member.mode & 0o777 == 0o755, oct(member.mode)
        assert member.size > 100_000
    # Nothing but what a collection is made of.
    top = {n.split("/")[0] for n in names}
    assert top <= {"MANIFEST.json", "FILES.json", "README.md", "LICENSE", "CHANGELOG.md", "meta", "plugins", "docs", "tests"}, top
    assert tarball.stat().st_size < 10 * 1024 * 1024


def test_tarball_manifest(tarball):
    with tarfile.open(tarball) as tar:
        manifest = json.load(tar.extractfile("MANIFEST.json"))
    info = manifest["collection_info"]
    assert (info["namespace"], info["name"]) == ("community", "missing_collection")
    assert info["license"] == ["GPL-3.0-or-later"]


def test_install_and_run_from_the_installed_copy(tarball, workdir, make_env, fakehub):
    target = workdir / "installed"
    env = make_env(target)
    proc = run([tool("ansible-galaxy"), "collection", "install", "-p", str(target), str(tarball)], env=env)
    assert proc.returncode == 0, describe(proc)
    installed = target / "ansible_collections" / "community" / "missing_collection"
    for module in MODULES:
        binary = installed / "plugins" / "modules" / module
        assert binary.is_file() and binary.stat().st_mode & 0o111, f"{binary} is not executable"

    listed = run([tool("ansible-galaxy"), "collection", "list", COLLECTION], env=env)
    assert str(target) in listed.stdout, describe(listed)

    inventory = workdir / "installed.ini"
    inventory.write_text("localhost ansible_connection=local ansible_python_interpreter=/nonexistent/python\n")
    login = run(
        [tool("ansible"), "localhost", "-i", inventory, "-vvv", "-m", LOGIN, "-a",
         f"url={fakehub['login_url']} ca_path={fakehub['ca_path']} "
         f"username={fakehub['username']} password={fakehub['password']}"],
        env=env,
    )
    assert login.returncode == 0, describe(login)
    # The module really came from the installed copy.
    assert f"Using module file {installed}/plugins/modules/docker_hub_token" in login.stdout, describe(login)
    result = parse_adhoc(login.stdout)[1]
    proc = run(
        [tool("ansible"), "localhost", "-i", inventory, "-m", INFO, "-a",
         f"token={result['token']} url={fakehub['tokens_url']} ca_path={fakehub['ca_path']} page_size=7"],
        env=env,
    )
    assert proc.returncode == 0, describe(proc)
    status, listed_tokens = parse_adhoc(proc.stdout)
    assert status == "SUCCESS"
    assert len(listed_tokens["result"]["results"]) == 7

    doc = run([tool("ansible-doc"), "--json", INFO], env=env)
    assert doc.returncode == 0, describe(doc)
    assert str(installed) in json.loads(doc.stdout)[INFO]["doc"]["filename"]
