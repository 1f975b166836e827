# Copyright: contributors to community.missing_collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared fixtures of the Ansible end-to-end suite.

The suite drives the ansible-core installed beside the Python that runs pytest
(``.venv`` for ``make test``, ``.venvs/ansible-X.Y`` for ``make test-matrix``)
and the module executables in ``plugins/modules/`` (``make build``) against
one fakehub process (the Docker Hub stand-in) shared by the whole session.

Nothing here skips: a missing tool or binary is a test failure that says
what to run.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import ssl
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PLAYBOOKS = HERE / "playbooks"
BIN_DIR = Path(sys.executable).parent
NAMESPACE, NAME = "community", "missing_collection"
COLLECTION = f"{NAMESPACE}.{NAME}"
MODULES = ("docker_hub_personal_token_info", "docker_hub_token")
INFO = f"{COLLECTION}.docker_hub_personal_token_info"
LOGIN = f"{COLLECTION}.docker_hub_token"
FAKEHUB_BIN = REPO / "target" / "release" / "fakehub"
# The session's fakehub: the user name is the one the EXAMPLES in the sidecars
# use, so the documented flow runs as written.
FAKEHUB_USERNAME = "my-docker-id"
FAKEHUB_TOKENS = 12
# Seconds any single ansible command may take before the test fails.
COMMAND_TIMEOUT = 240

# Environment variables from the caller that would change what Ansible or the
# modules do; the suite sets what it needs itself.
_DROP_ENV = re.compile(
    r"^(ANSIBLE_.*|DEFAULT_.*|HTTPS?_PROXY|https?_proxy|ALL_PROXY|all_proxy|NO_PROXY|no_proxy|SSL_CERT_FILE|SSL_CERT_DIR)$"
)


# ---------------------------------------------------------------- no skipping

_skipped: list[str] = []


def pytest_runtest_logreport(report):
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if _skipped and session.exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter):
    if _skipped:
        terminalreporter.write_line(
            "FAILED: this suite must not skip tests, but these were skipped: " + ", ".join(_skipped),
            red=True,
        )


# ---------------------------------------------------------------- helpers


def tool(name: str) -> str:
    """Path of an executable of the ansible-core under test (beside sys.executable)."""
    path = BIN_DIR / name
    if not path.exists():
        pytest.fail(f"{path} not found: install ansible-core into {BIN_DIR.parent} (make venv)")
    return str(path)


def module_binary(module: str) -> Path:
    path = REPO / "plugins" / "modules" / module
    if not path.is_file():
        pytest.fail(f"{path} is missing: run `make build` first")
    return path


def run(cmd, *, env=None, cwd=None, timeout=COMMAND_TIMEOUT, input_text=None) -> subprocess.CompletedProcess:
    """Run a command, capture its output as text; never raises on a non-zero exit."""
    return subprocess.run(
        [str(c) for c in cmd],
        env=env,
        cwd=cwd,
        input=input_text,
        stdin=None if input_text is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def describe(proc: subprocess.CompletedProcess) -> str:
    """The command, its exit code and its output, for assertion messages."""
    return (
        f"command: {' '.join(map(str, proc.args))}\nexit code: {proc.returncode}\n"
        f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
    )


_ADHOC_HEAD = re.compile(r"^(?P<host>\S+) \| (?P<status>[A-Z!]+)(?: \| rc=\d+)? => ", re.M)


def parse_adhoc(stdout: str) -> tuple[str, dict]:
    """Status and result of a one-host ad-hoc run as printed by the default callback."""
    match = _ADHOC_HEAD.search(stdout)
    if not match:
        raise AssertionError(f"no 'host | STATUS => {{...}}' line in the output:\n{stdout}")
    result = json.JSONDecoder().raw_decode(stdout[match.end():])[0]
    return match.group("status"), result


_RECAP = re.compile(r"^(?P<host>\S+)\s+:\s+(?P<counts>(?:\w+=\d+\s*)+)$", re.M)


def parse_recap(stdout: str) -> dict[str, dict[str, int]]:
    """The PLAY RECAP counts per host: {'localhost': {'ok': 3, 'failed': 0, ...}}."""
    recap = {}
    tail = stdout[stdout.rfind("PLAY RECAP"):]
    for match in _RECAP.finditer(tail):
        recap[match.group("host")] = {
            key: int(value) for key, value in (item.split("=") for item in match.group("counts").split())
        }
    if not recap:
        raise AssertionError(f"no PLAY RECAP in the output:\n{stdout}")
    return recap


def ansible_version() -> tuple[int, int]:
    import ansible.release  # pylint: disable=import-outside-toplevel

    major, minor = ansible.release.__version__.split(".")[:2]
    return int(major), int(minor)


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("e2e")


@pytest.fixture(scope="session")
def binaries() -> dict[str, Path]:
    return {m: module_binary(m) for m in MODULES}


@pytest.fixture(scope="session")
def dev_collections(workdir, binaries) -> Path:
    """A collections path whose community.missing_collection is this checkout."""
    root = workdir / "collections"
    link = root / "ansible_collections" / NAMESPACE / NAME
    link.parent.mkdir(parents=True)
    link.symlink_to(REPO, target_is_directory=True)
    return root


def _base_env(workdir: Path, collections: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not _DROP_ENV.match(k)}
    home = workdir / "ansible-home"
    (home / "tmp").mkdir(parents=True, exist_ok=True)
    cfg = workdir / "ansible.cfg"
    if not cfg.exists():
        cfg.write_text("# empty on purpose: the suite configures Ansible through the environment\n")
    env.update(
        PATH=f"{BIN_DIR}{os.pathsep}{env.get('PATH', '')}",
        ANSIBLE_CONFIG=str(cfg),
        ANSIBLE_HOME=str(home),
        ANSIBLE_LOCAL_TEMP=str(home / "tmp"),
        ANSIBLE_REMOTE_TEMP=str(home / "tmp"),
        ANSIBLE_COLLECTIONS_PATH=str(collections),
        ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_RETRY_FILES_ENABLED="false",
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        ANSIBLE_STDOUT_CALLBACK="default",
        ANSIBLE_CALLBACK_RESULT_FORMAT="json",
        # The modules must not be sent through a proxy to 127.0.0.1.
        NO_PROXY="127.0.0.1,localhost",
        LC_ALL="C.UTF-8",
    )
    return env


@pytest.fixture(scope="session")
def ansible_env(workdir, dev_collections) -> dict[str, str]:
    return _base_env(workdir, dev_collections)


@pytest.fixture(scope="session")
def make_env(workdir):
    """Environment for a run against another collections path (an installed copy)."""

    def factory(collections: Path) -> dict[str, str]:
        return _base_env(workdir, collections)

    return factory


@pytest.fixture(scope="session")
def inventory(workdir) -> Path:
    path = workdir / "inventory.ini"
    path.write_text(f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    return path


class FakeHub:
    """A running fakehub process and what it printed about itself."""

    def __init__(self, args: list[str], workdir: Path):
        if not FAKEHUB_BIN.is_file():
            pytest.fail(f"{FAKEHUB_BIN} is missing: run `make build` first")
        self.stderr_path = workdir / f"fakehub-{os.getpid()}-{time.monotonic_ns()}.log"
        self._stderr = self.stderr_path.open("w")
        # --exit-on-stdin-eof: if pytest dies, fakehub goes with it.
        self.proc = subprocess.Popen(
            [str(FAKEHUB_BIN), *args, "--exit-on-stdin-eof"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        line = self.proc.stdout.readline()
        if not line:
            self.stop()
            pytest.fail(f"fakehub exited without reporting its address: {self.stderr_path.read_text()}")
        self.info: dict = json.loads(line)
        self._ssl = ssl.create_default_context(cafile=self.info["ca_path"]) if "ca_path" in self.info else None

    def __getitem__(self, key):
        return self.info[key]

    def control(self, method: str, path: str, body=None):
        """Call fakehub's control endpoint (/_fakehub/...)."""
        url = urllib.parse.urlsplit(self.info["url"])
        if url.scheme == "https":
            conn = http.client.HTTPSConnection(url.hostname, url.port, timeout=10, context=self._ssl)
        else:
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        try:
            data = None if body is None else json.dumps(body)
            conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
            answer = conn.getresponse()
            payload = answer.read()
            if answer.status >= 300:
                raise AssertionError(f"fakehub control {method} {path}: HTTP {answer.status} {payload!r}")
            return json.loads(payload or b"null")
        finally:
            conn.close()

    def push_fault(self, fault: dict, path_prefix: str | None = None, times: int = 1):
        body = {"fault": fault, "times": times}
        if path_prefix:
            body["path_prefix"] = path_prefix
        return self.control("POST", "/_fakehub/faults", body)

    def clear_faults(self):
        return self.control("DELETE", "/_fakehub/faults")

    def requests(self) -> list[dict]:
        return self.control("GET", "/_fakehub/requests")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream:
                stream.close()
        self._stderr.close()


@pytest.fixture(scope="session")
def fakehub(workdir):
    hub = FakeHub(["--tokens", str(FAKEHUB_TOKENS), "--username", FAKEHUB_USERNAME], workdir)
    yield hub
    hub.stop()


@pytest.fixture()
def clean_faults(fakehub):
    """Clear fakehub's fault queue before and after a test that injects faults."""
    fakehub.clear_faults()
    yield fakehub
    fakehub.clear_faults()


@pytest.fixture(scope="session")
def hub_vars(workdir, fakehub) -> Path:
    """An extra-vars file (-e @file) giving playbooks fakehub's details as `fakehub`."""
    path = workdir / "fakehub-vars.json"
    path.write_text(json.dumps({"fakehub": fakehub.info}))
    return path


@pytest.fixture(scope="session")
def playbook(ansible_env, inventory, hub_vars, workdir):
    """Run a playbook from tests/ansible/playbooks (or a path) and return the process."""

    def runner(name, *extra, env=None, inventory_path=None, out_dir=None):
        path = name if isinstance(name, Path) else PLAYBOOKS / name
        out = out_dir or (workdir / "out")
        out.mkdir(parents=True, exist_ok=True)
        cmd = [
            tool("ansible-playbook"),
            "-i",
            inventory_path or inventory,
            "-e",
            f"@{hub_vars}",
            "-e",
            f"out_dir={out}",
            *extra,
            path,
        ]
        return run(cmd, env=env or ansible_env, cwd=workdir)

    return runner


@pytest.fixture(scope="session")
def adhoc(ansible_env, inventory, workdir):
    """Run `ansible localhost -m MODULE -a ARGS` and return the process."""

    def runner(module, args, *extra, env=None):
        cmd = [tool("ansible"), "localhost", "-i", inventory, "-m", module, "-a", args, *extra]
        return run(cmd, env=env or ansible_env, cwd=workdir)

    return runner
