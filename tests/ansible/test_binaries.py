# Copyright: contributors to community.missing_collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The built executables are portable (glibc 2.17) and run on their own."""

from __future__ import annotations

import json
import re

import pytest
from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile
from elftools.elf.gnuversions import GNUVerNeedSection

from conftest import MODULES, describe, module_binary, run

MAX_GLIBC = (2, 17)


def glibc_versions(path) -> tuple[bool, set[tuple[int, ...]], list[str]]:
    """(dynamically linked?, GLIBC_x.y versions needed, DT_NEEDED libraries)."""
    versions: set[tuple[int, ...]] = set()
    needed: list[str] = []
    dynamic = False
    with open(path, "rb") as handle:
        elf = ELFFile(handle)
        assert elf.elfclass == 64 and elf["e_machine"] == "EM_X86_64", "not an x86_64 ELF executable"
        for section in elf.iter_sections():
            if isinstance(section, DynamicSection):
                dynamic = True
                needed += [tag.needed for tag in section.iter_tags() if tag.entry.d_tag == "DT_NEEDED"]
            if isinstance(section, GNUVerNeedSection):
                for _version, auxiliaries in section.iter_versions():
                    for aux in auxiliaries:
                        match = re.fullmatch(r"GLIBC_(\d+(?:\.\d+)*)", aux.name)
                        if match:
                            versions.add(tuple(int(p) for p in match.group(1).split(".")))
    return dynamic, versions, needed


@pytest.mark.parametrize("module", MODULES)
def test_needs_nothing_newer_than_glibc_2_17(module):
    dynamic, versions, needed = glibc_versions(module_binary(module))
    if dynamic:
        assert versions, "dynamically linked but no GLIBC symbol versions found"
        newest = max(versions)
        assert newest <= MAX_GLIBC, f"needs GLIBC_{'.'.join(map(str, newest))} (> 2.17)"
        # Only libraries that every glibc system has.
        allowed = re.compile(r"^(libc|libm|libdl|libpthread|librt|libgcc_s|ld-linux-x86-64)\.so\.\d+$")
        assert all(allowed.match(lib) for lib in needed), needed


@pytest.mark.parametrize("module", MODULES)
def test_runs_without_ansible(module, workdir):
    args = workdir / f"{module}-empty-args.json"
    args.write_text("{}")
    proc = run([module_binary(module), args], timeout=30)
    result = json.loads(proc.stdout)
    assert result["failed"] is True, describe(proc)
    assert "missing required arguments" in result["msg"], describe(proc)
    assert proc.returncode != 0


def test_lists_tokens_without_ansible(fakehub, workdir):
    args = workdir / "direct-args.json"
    args.write_text(json.dumps({
        "token": fakehub["jwt"], "url": fakehub["tokens_url"], "ca_path": fakehub["ca_path"],
        "page_size": 4, "_ansible_check_mode": False, "_ansible_no_log": False,
        "_ansible_some_future_key": {"x": 1},
    }))
    proc = run([module_binary("docker_hub_personal_token_info"), args], timeout=60)
    assert proc.returncode == 0, describe(proc)
    result = json.loads(proc.stdout)
    assert result["changed"] is False
    assert len(result["result"]["results"]) == 4
