# Copyright: contributors to community.missing_collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ansible-doc reads the sidecar documentation of the binary modules."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from conftest import COLLECTION, MODULES, REPO, describe, run, tool


def sidecar(module: str) -> dict:
    return yaml.safe_load((REPO / "plugins" / "modules" / f"{module}.yml").read_text())


@pytest.mark.parametrize("module", MODULES)
def test_ansible_doc_plain(module, ansible_env):
    proc = run([tool("ansible-doc"), f"{COLLECTION}.{module}"], env=ansible_env)
    assert proc.returncode == 0, describe(proc)
    assert f"{COLLECTION}.{module}" in proc.stdout
    assert "ERROR" not in proc.stdout + proc.stderr, describe(proc)
    doc = sidecar(module)["DOCUMENTATION"]
    for option in doc["options"]:
        assert option in proc.stdout, f"option {option} missing from ansible-doc output"
    assert "EXAMPLES" in proc.stdout and "RETURN VALUES" in proc.stdout


@pytest.mark.parametrize("module", MODULES)
def test_ansible_doc_snippet(module, ansible_env):
    proc = run([tool("ansible-doc"), "-s", f"{COLLECTION}.{module}"], env=ansible_env)
    assert proc.returncode == 0, describe(proc)
    assert f"{COLLECTION}.{module}:" in proc.stdout or f"{module}:" in proc.stdout, describe(proc)
    for option in sidecar(module)["DOCUMENTATION"]["options"]:
        assert f"{option}:" in proc.stdout, f"option {option} missing from the snippet"


@pytest.mark.parametrize("module", MODULES)
def test_ansible_doc_json(module, ansible_env):
    fqcn = f"{COLLECTION}.{module}"
    proc = run([tool("ansible-doc"), "--json", fqcn], env=ansible_env)
    assert proc.returncode == 0, describe(proc)
    data = json.loads(proc.stdout)
    doc = data[fqcn]["doc"]
    expected = sidecar(module)["DOCUMENTATION"]
    assert doc["module"] == module
    assert set(doc["options"]) == set(expected["options"])
    for name, spec in expected["options"].items():
        got = doc["options"][name]
        assert got["type"] == spec["type"], name
        assert got.get("required", False) == spec.get("required", False), name
        assert got.get("default") == spec.get("default"), name
    assert doc["attributes"]["check_mode"]["support"] == "full"
    assert doc["attributes"]["diff_mode"]["support"] == "none"
    assert doc["attributes"]["platform"]["platforms"] == "posix"
    assert data[fqcn]["examples"].strip()
    assert set(data[fqcn]["return"]) == set(sidecar(module)["RETURN"])


def test_options_match_what_the_module_accepts(adhoc, fakehub):
    """Every documented option is accepted by the module, and no other."""
    from conftest import parse_adhoc  # pylint: disable=import-outside-toplevel

    for module in MODULES:
        proc = adhoc(f"{COLLECTION}.{module}", "definitely_not_an_option=1")
        result = parse_adhoc(proc.stdout)[1]
        msg = result["msg"]
        match = re.search(r"Supported parameters include: ([a-z_, ]+)\.", msg)
        assert match, msg
        supported = {p.strip() for p in match.group(1).split(",")}
        assert supported == set(sidecar(module)["DOCUMENTATION"]["options"]), msg
