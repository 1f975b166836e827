#!/usr/bin/env python3
# Copyright: contributors to community.missing_collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`make bench`: time the modules against fakehub and write docs/benchmarks.md.

One run, on this machine, against one fakehub process (TLS on 127.0.0.1, 1,000
tokens). Every command is run once and its output checked (count 1000, 100 or
1000 results, a working token, "pong") before it is timed, so a fast failure can
never pass as a fast success; hyperfine then stops on any non-zero exit. Wall
times come from hyperfine (no shell in between, -N), peak RSS from
/usr/bin/time -v, instruction counts from callgrind and syscall counts from
strace -c when those tools are there.

Each row is timed in two passes (rows in order, then in reverse order) and the
times of both passes are pooled, so a slow spell of this noisy machine does not
land on one side of a comparison only.

Nothing here is part of `make test`. Missed targets are reported (and listed in
the document), not turned into a failing exit status; broken commands, a broken
connection check or a request count that does not add up are.

usage: benches/run.py [--quick] [--output docs/benchmarks.md] [--no-profile]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import http.client
import json
import os
import platform
import re
import shlex
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

REPO = Path(__file__).resolve().parents[1]
BENCHES = REPO / "benches"
MODULES_DIR = REPO / "plugins" / "modules"
FAKEHUB = REPO / "target" / "release" / "fakehub"
INFO, LOGIN = "docker_hub_personal_token_info", "docker_hub_token"
FQCN = "community.missing_collection"
# The second, bench-only collection that holds the Python baseline modules for the
# end-to-end rows (never installed anywhere, made in the temporary directory).
PY_FQCN = "bench.pybaseline"
TOKENS = 1000
PAGE_SIZE = 100
PAGES = TOKENS // PAGE_SIZE
# The same list as the Rust module's system_roots() (src/hub/transport.rs).
SYSTEM_CA_FILES = (
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
)
# Variables from the caller that would change what curl, requests, Ansible or the
# modules do (which CA bundle, which proxy, which config); every row sets its own.
DROP_ENV = re.compile(
    r"^(ANSIBLE_.*|SSL_CERT_FILE|SSL_CERT_DIR|REQUESTS_CA_BUNDLE|CURL_CA_BUNDLE|"
    r"NIX_SSL_CERT_FILE|HTTPS?_PROXY|https?_proxy|ALL_PROXY|all_proxy|NO_PROXY|no_proxy)$"
)
MAX_BINARY_BYTES = 2_000_000  # "at most 2 MB", read strictly (SI megabytes)


def log(msg: str) -> None:
    print("bench: " + msg, flush=True)


class BenchError(Exception):
    """A command failed or gave the wrong output: the run is void."""


# ----------------------------------------------------------------------------- tools


def ensure_tool(path_or_name: str, apt_package: str) -> str:
    """The tool's path; apt-get installs it when missing (fails if that is impossible)."""
    found = shutil.which(path_or_name)
    if found:
        return found
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        raise BenchError(
            f"{path_or_name} is missing and cannot be installed here (needs root and apt-get): "
            f"install the '{apt_package}' package"
        )
    log(f"{path_or_name} is missing: apt-get install -y {apt_package}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    quiet = dict(stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    if subprocess.run([apt, "install", "-y", apt_package], **quiet).returncode != 0:
        subprocess.run([apt, "update"], **quiet)
        done = subprocess.run([apt, "install", "-y", apt_package], **quiet)
        if done.returncode != 0:
            raise BenchError(f"apt-get install -y {apt_package} failed: {done.stderr.decode()[-500:]}")
    found = shutil.which(path_or_name)
    if not found:
        raise BenchError(f"{path_or_name} still missing after installing {apt_package}")
    return found


def ensure_requests() -> None:
    """requests in this (the project's) venv, for the Python baseline modules."""
    try:
        import requests  # noqa: F401
    except ImportError:
        log("requests is missing from the venv: pip install -r benches/requirements.txt")
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "-r", str(BENCHES / "requirements.txt")],
            check=True,
        )


def first_line(argv: list[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"unknown ({e})"
    text = (out.stdout or out.stderr).strip()
    return text.splitlines()[0] if text else "unknown"


def fingerprint() -> dict:
    """sha256 of what is measured, to notice a rebuild in the middle of the run."""
    out = {}
    for path in [MODULES_DIR / INFO, MODULES_DIR / LOGIN, FAKEHUB] + sorted((BENCHES / "python").glob("*.py")):
        try:
            out[str(path.relative_to(REPO))] = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            out[str(path.relative_to(REPO))] = "missing"
    return out


def git_state() -> str:
    head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "src", "Cargo.toml", "Cargo.lock",
                            "tests/fakehub"], capture_output=True, text=True)
    if head.returncode != 0:
        return "unknown (not a git checkout?)"
    changed = [line[3:] for line in dirty.stdout.splitlines()]
    return head.stdout.strip() + (f" plus uncommitted changes in {', '.join(changed)}" if changed else "")


# ----------------------------------------------------------------------------- fakehub


class Hub:
    """One fakehub process for the whole run."""

    def __init__(self, tokens: int):
        if not FAKEHUB.is_file():
            raise BenchError(f"{FAKEHUB} is missing: run `make build`")
        # --exit-on-stdin-eof: if this script dies, fakehub goes with it.
        self.proc = subprocess.Popen(
            [str(FAKEHUB), "--tokens", str(tokens), "--exit-on-stdin-eof"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line:
            raise BenchError("fakehub did not start (no JSON line on stdout)")
        self.info = json.loads(line)
        self.ssl = ssl.create_default_context(cafile=self.info["ca_path"])

    def control(self, method: str, path: str):
        conn = http.client.HTTPSConnection("127.0.0.1", self.info["port"], context=self.ssl, timeout=30)
        try:
            conn.request(method, path)
            resp = conn.getresponse()
            body = resp.read()
            if resp.status != 200:
                raise BenchError(f"fakehub {method} {path}: HTTP {resp.status}")
            return json.loads(body)
        finally:
            conn.close()

    def requests(self) -> list:
        return self.control("GET", "/_fakehub/requests")

    def stats(self) -> dict:
        return self.control("GET", "/_fakehub/stats")

    def token_works(self, jwt: str) -> bool:
        conn = http.client.HTTPSConnection("127.0.0.1", self.info["port"], context=self.ssl, timeout=30)
        try:
            conn.request("GET", "/v2/access-tokens?page=1&page_size=1", headers={"Authorization": f"Bearer {jwt}"})
            resp = conn.getresponse()
            resp.read()
            return resp.status == 200
        finally:
            conn.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                if self.proc.stdin:
                    self.proc.stdin.close()
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.terminate()
                self.proc.wait(timeout=10)


# ----------------------------------------------------------------------------- checks


def _ansible_json(stdout: str) -> dict:
    """`localhost | SUCCESS => {...}` (the ad-hoc output) as the object."""
    head, sep, rest = stdout.partition("=>")
    if not sep or "SUCCESS" not in head:
        raise ValueError(f"not an ad-hoc success: {stdout[:300]!r}")
    return json.loads(rest)


def _module_json(stdout: str) -> dict:
    obj = json.loads(stdout)
    if obj.get("failed"):
        raise ValueError(f"the module failed: {str(obj.get('msg'))[:300]}")
    return obj


def _page_of(obj: dict) -> dict:
    return obj["result"] if "result" in obj else obj


def check_one_page(obj: dict) -> str:
    page = _page_of(obj)
    results = page.get("results")
    if page.get("count") != TOKENS:
        raise ValueError(f"count is {page.get('count')!r}, not {TOKENS}")
    if not isinstance(results, list) or len(results) != PAGE_SIZE:
        raise ValueError(f"{len(results) if isinstance(results, list) else results!r} results, not {PAGE_SIZE}")
    if not all(isinstance(r, dict) and r.get("uuid") for r in results):
        raise ValueError("a result without uuid")
    if "page=2" not in str(page.get("next")):
        raise ValueError(f"next is {page.get('next')!r}")
    return f"count={page['count']}, {len(results)} results, next=page 2"


def check_all_pages(obj: dict) -> str:
    page = _page_of(obj)
    results = page.get("results") or []
    uuids = {r.get("uuid") for r in results if isinstance(r, dict)}
    if page.get("count") != TOKENS or len(results) != TOKENS or len(uuids) != TOKENS:
        raise ValueError(f"count={page.get('count')!r}, {len(results)} results, {len(uuids)} distinct uuids")
    return f"count={TOKENS}, {len(results)} results, {len(uuids)} distinct uuids"


def check_curl_pages(stdout: str) -> str:
    """Ten JSON pages written one after the other by one curl."""
    decoder, pos, pages = json.JSONDecoder(), 0, []
    while pos < len(stdout):
        while pos < len(stdout) and stdout[pos].isspace():
            pos += 1
        if pos >= len(stdout):
            break
        obj, pos = decoder.raw_decode(stdout, pos)
        pages.append(obj)
    merged = {"count": pages[0].get("count") if pages else None,
              "results": [r for p in pages for r in p.get("results", [])]}
    if len(pages) != PAGES:
        raise ValueError(f"{len(pages)} pages, not {PAGES}")
    return check_all_pages(merged)


JWT_RE = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")


def check_token(obj: dict) -> str:
    token = obj.get("token")
    if not isinstance(token, str) or len(token) < 100 or not JWT_RE.match(token):
        raise ValueError(f"no JWT in the output: {str(obj)[:200]}")
    return f"a {len(token)}-character JWT"


def check_pong(obj: dict) -> str:
    if obj.get("ping") != "pong":
        raise ValueError(f"ping said {obj.get('ping')!r}")
    return "pong"


def strace_counts(text: str) -> Optional[tuple]:
    """(syscalls, threads spawned) from `strace -c` output: sum of the calls column."""
    calls = threads = 0
    for line in text.splitlines():
        parts = line.split()
        # % time, seconds, usecs/call, calls, [errors], syscall
        if len(parts) < 5 or parts[-1] == "total" or not re.match(r"^[\d.]+$", parts[0]):
            continue
        try:
            n = int(parts[3])
        except ValueError:
            continue
        calls += n
        if parts[-1] in ("clone", "clone3"):
            threads += n
    return (calls, threads) if calls else None


# ----------------------------------------------------------------------------- rows


@dataclass
class Row:
    key: str
    group: str
    label: str
    argv: list[str]
    parse: Callable[[str], object]
    check: Callable[[object], str]
    requests_per_run: int
    kind: str  # "fast" | "python" | "ansible": how many runs
    env: dict = field(default_factory=dict)
    reference: bool = False  # a floor for context, not part of a target
    # filled in by the run
    verified: str = ""
    times: list = field(default_factory=list)
    cpu: list = field(default_factory=list)  # (user+sys mean, runs) per pass
    rss_kb: list = field(default_factory=list)
    connections: Optional[int] = None
    requests_seen: Optional[int] = None
    instructions: Optional[int] = None
    syscalls: Optional[tuple] = None  # (total calls, threads spawned)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def rss_median(self) -> float:
        return statistics.median(self.rss_kb)


RUNS = {
    # (warmup per pass, runs per pass, peak-RSS runs)
    "full": {"fast": (5, 50, 5), "python": (2, 15, 3), "ansible": (1, 8, 3)},
    "quick": {"fast": (2, 10, 2), "python": (1, 4, 2), "ansible": (1, 2, 1)},
}


class Bench:
    def __init__(self, opts):
        self.opts = opts
        self.runs = RUNS["quick" if opts.quick else "full"]
        self.work = Path(tempfile.mkdtemp(prefix="mc-bench-"))
        self.expected_requests = 0
        self.hyperfine = ""
        self.gnu_time = ""
        self.rows: dict[str, Row] = {}
        self.problems: list[str] = []

    # ---------------------------------------------------------------- setup

    def setup(self, hub: Hub) -> None:
        info = hub.info
        self.hub = hub
        w = self.work
        for module in (INFO, LOGIN):
            if not (MODULES_DIR / module).is_file():
                raise BenchError(f"{MODULES_DIR / module} is missing: run `make build`")
        # Args files: the binary takes the plain options object, a Python module the
        # {"ANSIBLE_MODULE_ARGS": ...} form.
        base = {"token": info["jwt"], "url": info["tokens_url"], "ca_path": info["ca_path"],
                "page": 1, "page_size": PAGE_SIZE}
        system = {k: v for k, v in base.items() if k != "ca_path"}
        login = {"username": info["username"], "password": info["password"],
                 "url": info["login_url"], "ca_path": info["ca_path"]}
        args = {"list": base, "list-system": system, "all": dict(base, all_pages=True), "login": login}
        for name, value in args.items():
            (w / f"{name}.json").write_text(json.dumps(value))
            (w / f"py-{name}.json").write_text(json.dumps({"ANSIBLE_MODULE_ARGS": value}))
        (w / "login-body.json").write_text(json.dumps({"username": info["username"], "password": info["password"]}))
        # The bearer in a header file: same request, a command line one can read.
        (w / "auth.header").write_text(f"Authorization: Bearer {info['jwt']}\n")
        # The system CA store plus the fakehub CA, for the "system store" rows.
        system_ca = next((p for p in SYSTEM_CA_FILES if Path(p).is_file()), None)
        if system_ca is None:
            raise BenchError("no system CA bundle found (" + ", ".join(SYSTEM_CA_FILES) + ")")
        self.system_ca = system_ca
        bundle = w / "system-plus-fakehub.pem"
        bundle.write_bytes(Path(system_ca).read_bytes().rstrip(b"\n") + b"\n" + Path(info["ca_path"]).read_bytes())
        self.bundle_certs = bundle.read_text().count("BEGIN CERTIFICATE")
        # Collections: this checkout as community.missing_collection, the Python baseline
        # as bench.pybaseline.
        coll = w / "collections" / "ansible_collections"
        (coll / "community").mkdir(parents=True)
        (coll / "community" / "missing_collection").symlink_to(REPO)
        pymods = coll / "bench" / "pybaseline" / "plugins" / "modules"
        pymods.mkdir(parents=True)
        for module in (INFO, LOGIN):
            shutil.copy(BENCHES / "python" / f"{module}.py", pymods / f"{module}.py")
        (w / "ansible-home").mkdir()

        clean = {k: v for k, v in os.environ.items() if not DROP_ENV.match(k)}
        self.env = clean
        ansible_env = dict(
            clean,
            ANSIBLE_COLLECTIONS_PATH=str(w / "collections"),
            ANSIBLE_HOME=str(w / "ansible-home"),
            ANSIBLE_LOCALHOST_WARNING="False",
            ANSIBLE_INVENTORY_UNPARSED_WARNING="False",
            ANSIBLE_NOCOLOR="True",
        )
        py = sys.executable
        ansible = str(Path(sys.executable).parent / "ansible")
        info_bin = str(MODULES_DIR / INFO)
        login_bin = str(MODULES_DIR / LOGIN)
        url = info["tokens_url"]
        page1 = f"{url}?page=1&page_size={PAGE_SIZE}"
        curl = ["curl", "-sS", "--fail", "-H", f"@{w / 'auth.header'}"]
        ad_hoc = f"token={info['jwt']} url={url} ca_path={info['ca_path']} page_size={PAGE_SIZE}"
        j, a = _module_json, _ansible_json
        rows = [
            # one list call
            Row("curl", "one list call", "curl, `--cacert` fakehub CA",
                curl + ["--cacert", info["ca_path"], page1], json.loads, check_one_page, 1, "fast", clean, True),
            Row("curl_sys", "one list call", "curl, system CA store + fakehub CA",
                curl + ["--cacert", str(bundle), page1], json.loads, check_one_page, 1, "fast", clean, True),
            Row("rust", "one list call", "Rust module-only, `ca_path`",
                [info_bin, str(w / "list.json")], j, check_one_page, 1, "fast", clean),
            Row("rust_sys", "one list call", "Rust module-only, system CA store + fakehub CA (`SSL_CERT_FILE`)",
                [info_bin, str(w / "list-system.json")], j, check_one_page, 1, "fast",
                dict(clean, SSL_CERT_FILE=str(bundle))),
            Row("python", "one list call", "Python module-only (AnsibleModule + requests), `ca_path`",
                [py, str(BENCHES / "python" / f"{INFO}.py"), str(w / "py-list.json")],
                j, check_one_page, 1, "python", clean),
            # end to end
            Row("ping", "end to end", "`ansible localhost -m ansible.builtin.ping`",
                [ansible, "localhost", "-m", "ansible.builtin.ping"], a, check_pong, 0, "ansible", ansible_env, True),
            Row("rust_e2e", "end to end", "Rust module via `ansible localhost -m`",
                [ansible, "localhost", "-m", f"{FQCN}.{INFO}", "-a", ad_hoc], a, check_one_page, 1, "ansible",
                ansible_env),
            Row("python_e2e", "end to end", "Python module via `ansible localhost -m`",
                [ansible, "localhost", "-m", f"{PY_FQCN}.{INFO}", "-a", ad_hoc], a, check_one_page, 1, "ansible",
                ansible_env),
            # all pages
            Row("curl_all", "all pages (1,000 tokens, 10 pages)", "curl, 10 URLs in one process (one connection)",
                curl + ["--cacert", info["ca_path"]] + [f"{url}?page={p}&page_size={PAGE_SIZE}" for p in range(1, PAGES + 1)],
                lambda s: s, check_curl_pages, PAGES, "fast", clean, True),
            Row("rust_all", "all pages (1,000 tokens, 10 pages)", "Rust module-only, `all_pages=true`",
                [info_bin, str(w / "all.json")], j, check_all_pages, PAGES, "fast", clean),
            Row("python_all", "all pages (1,000 tokens, 10 pages)", "Python module-only, `next` links, one `requests.Session`",
                [py, str(BENCHES / "python" / f"{INFO}.py"), str(w / "py-all.json")], j, check_all_pages, PAGES,
                "python", clean),
            # login
            Row("curl_login", "login", "curl, one POST",
                curl[:3] + ["--cacert", info["ca_path"], "-H", "Content-Type: application/json",
                            "--data-binary", f"@{w / 'login-body.json'}", info["login_url"]],
                json.loads, check_token, 1, "fast", clean, True),
            Row("rust_login", "login", "Rust `docker_hub_token` module-only",
                [login_bin, str(w / "login.json")], j, check_token, 1, "fast", clean),
            Row("python_login", "login", "Python `docker_hub_token` module-only",
                [py, str(BENCHES / "python" / f"{LOGIN}.py"), str(w / "py-login.json")], j, check_token, 1,
                "python", clean),
        ]
        self.rows = {r.key: r for r in rows}

    # ---------------------------------------------------------------- running

    def run_once(self, row: Row) -> subprocess.CompletedProcess:
        self.expected_requests += row.requests_per_run
        return subprocess.run(row.argv, env=row.env, cwd=self.work, capture_output=True, text=True, timeout=300)

    def verify(self) -> None:
        """Each command once, output checked; connections of the multi-page runs counted."""
        for row in self.rows.values():
            before = len(self.hub.requests()) if row.requests_per_run > 1 else None
            done = self.run_once(row)
            if done.returncode != 0:
                raise BenchError(f"{row.key}: exit status {done.returncode}\n{done.stdout[-800:]}\n{done.stderr[-800:]}")
            try:
                row.verified = row.check(row.parse(done.stdout))
            except (ValueError, KeyError, TypeError) as e:
                raise BenchError(f"{row.key}: wrong output: {e}\n{done.stdout[:500]}") from e
            if row.key == "rust_login":
                token = json.loads(done.stdout)["token"]
                self.expected_requests += 1
                if not self.hub.token_works(token):
                    raise BenchError("rust_login: fakehub does not accept the token the module returned")
                row.verified += ", accepted by fakehub"
            if before is not None:
                seen = self.hub.requests()[before:]
                row.requests_seen = len(seen)
                row.connections = len({r["connection"] for r in seen})
                if len(seen) != row.requests_per_run:
                    raise BenchError(f"{row.key}: fakehub saw {len(seen)} requests, expected {row.requests_per_run}")
                row.verified += f"; {len(seen)} requests on {row.connections} connection(s)"
            log(f"checked {row.key:12} {row.verified}")

    def time_row(self, row: Row, pass_no: int) -> None:
        warmup, runs, _ = self.runs[row.kind]
        out = self.work / f"hyperfine-{row.key}-{pass_no}.json"
        cmd = [self.hyperfine, "-N", "--style", "basic", "--warmup", str(warmup), "--runs", str(runs),
               "--export-json", str(out), "--command-name", row.key, shlex.join(row.argv)]
        self.expected_requests += row.requests_per_run * (warmup + runs)
        done = subprocess.run(cmd, env=row.env, cwd=self.work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
        if done.returncode != 0:
            raise BenchError(f"hyperfine {row.key} failed (a run exited non-zero?):\n{done.stdout[-1500:]}")
        result = json.loads(out.read_text())["results"][0]
        if any(code != 0 for code in result.get("exit_codes", [])):
            raise BenchError(f"{row.key}: non-zero exit codes {result['exit_codes']}")
        row.times.extend(result["times"])
        row.cpu.append((result["user"] + result["system"], len(result["times"])))
        log(f"timed   {row.key:12} pass {pass_no}: median {statistics.median(result['times']) * 1000:.2f} ms "
            f"over {len(result['times'])} runs")

    def measure_rss(self, row: Row) -> None:
        _, _, n = self.runs[row.kind]
        for _ in range(n):
            self.expected_requests += row.requests_per_run
            done = subprocess.run([self.gnu_time, "-v"] + row.argv, env=row.env, cwd=self.work,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=300)
            m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
            if done.returncode != 0 or not m:
                raise BenchError(f"{row.key}: /usr/bin/time -v run failed:\n{done.stderr[-800:]}")
            row.rss_kb.append(int(m.group(1)))

    def profile(self) -> None:
        """Instruction counts (callgrind, stable on a noisy machine) and syscalls (strace -c)."""
        self.valgrind = shutil.which("valgrind")
        self.strace = shutil.which("strace")
        for key in ("curl", "rust", "curl_sys", "rust_sys", "rust_all", "curl_login", "rust_login"):
            row = self.rows[key]
            if self.valgrind:
                self.expected_requests += row.requests_per_run
                done = subprocess.run(
                    [self.valgrind, "--tool=callgrind", f"--callgrind-out-file={self.work / 'cg.out'}"] + row.argv,
                    env=row.env, cwd=self.work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                    timeout=600)
                m = re.search(r"Collected : (\d+)", done.stderr)
                if done.returncode == 0 and m:
                    row.instructions = int(m.group(1))
            if self.strace and key.startswith("rust"):
                self.expected_requests += row.requests_per_run
                summary = self.work / "strace.txt"
                done = subprocess.run([self.strace, "-f", "-c", "-o", str(summary)] + row.argv, env=row.env,
                                      cwd=self.work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
                if done.returncode == 0:
                    row.syscalls = strace_counts(summary.read_text())
            log(f"profiled {key:11} instructions={row.instructions} syscalls/threads={row.syscalls}")

    def binary_sizes(self) -> list:
        strip = shutil.which("strip")
        sizes = []
        for module in (INFO, LOGIN):
            path = MODULES_DIR / module
            size = path.stat().st_size
            stripped = None
            if strip:
                copy = self.work / f"{module}.stripped"
                if subprocess.run([strip, "-o", str(copy), str(path)]).returncode == 0:
                    stripped = copy.stat().st_size
            sizes.append((module, size, stripped))
        return sizes

    def run(self) -> None:
        started = time.monotonic()
        self.fingerprint = fingerprint()
        self.git = git_state()
        self.load_start = os.getloadavg()
        self.hyperfine = ensure_tool("hyperfine", "hyperfine")
        self.gnu_time = ensure_tool("/usr/bin/time", "time")
        ensure_tool("curl", "curl")
        ensure_requests()
        hub = Hub(TOKENS)
        try:
            self.setup(hub)
            log(f"fakehub on {hub.info['url']} with {TOKENS} tokens; work dir {self.work}")
            self.verify()
            order = list(self.rows.values())
            for pass_no, rows in ((1, order), (2, list(reversed(order)))):
                for row in rows:
                    self.time_row(row, pass_no)
            for row in order:
                self.measure_rss(row)
            log("peak RSS measured")
            if not self.opts.no_profile:
                self.profile()
            self.sizes = self.binary_sizes()
            stats = hub.stats()
        finally:
            hub.stop()
        self.load_end = os.getloadavg()
        if fingerprint() != self.fingerprint:
            self.problems.append("a measured executable or baseline module changed during the run (a rebuild?)")
        self.served = stats["requests"]
        if self.served != self.expected_requests:
            self.problems.append(
                f"fakehub recorded {self.served} requests but the commands run should have made "
                f"{self.expected_requests}: some run did not do what it was timed for")
        self.elapsed = time.monotonic() - started
        self.write_doc()
        shutil.rmtree(self.work, ignore_errors=True)

    # ---------------------------------------------------------------- report

    def versions(self) -> list:
        info = []
        py = sys.executable
        ver = subprocess.run([py, "-c", "import sys, ansible, requests, urllib3; print(sys.version.split()[0], "
                              "ansible.__version__, requests.__version__, urllib3.__version__)"],
                             capture_output=True, text=True).stdout.split()
        lock = (REPO / "Cargo.lock").read_text()

        def crate(name: str) -> str:
            m = re.search(r'name = "%s"\nversion = "([^"]+)"' % re.escape(name), lock)
            return m.group(1) if m else "?"

        info.append(("Source (git HEAD)", self.git))
        info.append(("rustc", first_line(["rustc", "--version"])))
        info.append(("Rust crates (Cargo.lock)", f"ureq {crate('ureq')}, rustls {crate('rustls')}, "
                     f"ring {crate('ring')}, serde_json {crate('serde_json')}"))
        info.append(("curl", first_line(["curl", "--version"])))
        if len(ver) == 4:
            info.append(("Python", ver[0]))
            info.append(("ansible-core", ver[1]))
            info.append(("requests / urllib3", f"{ver[2]} / {ver[3]}"))
        info.append(("OpenSSL (Python ssl)", ssl.OPENSSL_VERSION))
        info.append(("hyperfine", first_line([self.hyperfine, "--version"])))
        if getattr(self, "valgrind", None):
            info.append(("valgrind", first_line([self.valgrind, "--version"])))
        return info

    def machine(self) -> list:
        cpu = "unknown"
        try:
            for line in Path("/proc/cpuinfo").read_text().splitlines():
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        except OSError:
            pass
        mem = ""
        try:
            m = re.search(r"MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text())
            mem = f"{int(m.group(1)) / 1024 / 1024:.1f} GiB" if m else ""
        except OSError:
            pass
        distro = ""
        try:
            m = re.search(r'^PRETTY_NAME="?([^"\n]+)', Path("/etc/os-release").read_text(), re.M)
            distro = m.group(1) if m else ""
        except OSError:
            pass
        virt = first_line(["systemd-detect-virt"]) if shutil.which("systemd-detect-virt") else ""
        load = f"{self.load_start[0]:.2f} at the start, {self.load_end[0]:.2f} at the end (1-minute averages)"
        return [("CPU", cpu), ("Cores (logical)", str(os.cpu_count())), ("Memory", mem), ("Load average", load),
                ("OS", f"{distro}, Linux {platform.release()}" + (f", virtualisation: {virt}" if virt else ""))]

    def display(self, row: Row) -> str:
        """The exact command, with the run's long or temporary values named ($JWT, $WORK, ...)."""
        info = self.hub.info
        names = ((info["jwt"], "$JWT"), (info["ca_path"], "$CA"), (str(self.work), "$WORK"),
                 (info["url"], "$HUB"), (str(Path(sys.executable).parent) + "/", "$VENV/bin/"),
                 (str(REPO) + "/", ""))

        def show(arg: str) -> str:
            for value, name in names:
                arg = arg.replace(value, name)
            if "$" not in arg:
                return shlex.quote(arg)
            if re.fullmatch(r"[\w$@%+=:,./-]+", arg):
                return arg
            return '"' + re.sub(r'(["\\`])', r"\\\1", arg) + '"'

        env = ""
        if "SSL_CERT_FILE" in row.env and row.env is not self.env:
            env = f"SSL_CERT_FILE={show(row.env['SSL_CERT_FILE'])} "
        return env + " ".join(show(a) for a in row.argv)

    def write_doc(self) -> None:
        r = self.rows
        ms = lambda s: f"{s * 1000:.1f} ms" if s >= 0.1 else f"{s * 1000:.2f} ms"  # noqa: E731

        def ratio(a: str, b: str) -> float:
            return r[a].median / r[b].median

        def cpu(row: Row) -> float:
            total = sum(c * n for c, n in row.cpu)
            return total / sum(n for _, n in row.cpu)

        targets = []

        def target(what: str, measured: str, met: bool) -> None:
            targets.append((what, measured, met))

        target("One list call, module-only: Rust below curl with `ca_path`",
               f"Rust {ms(r['rust'].median)} vs curl {ms(r['curl'].median)} (rust/curl = {ratio('rust', 'curl'):.2f})",
               r["rust"].median < r["curl"].median)
        target("One list call: Rust no slower than curl, both using the system CA store",
               f"Rust {ms(r['rust_sys'].median)} vs curl {ms(r['curl_sys'].median)} "
               f"(rust/curl = {ratio('rust_sys', 'curl_sys'):.2f})",
               r["rust_sys"].median <= r["curl_sys"].median)
        target("One list call: Rust at least 40x faster than the Python module",
               f"python/rust = {ratio('python', 'rust'):.1f}x", ratio("python", "rust") >= 40)
        target("End to end: Rust module task costs less than 5% more than `ansible.builtin.ping`",
               f"rust-e2e/ping = {ratio('rust_e2e', 'ping'):.3f} ({ms(r['rust_e2e'].median)} vs {ms(r['ping'].median)})",
               ratio("rust_e2e", "ping") < 1.05)
        rss_ratio = r["rust"].rss_median / r["curl"].rss_median
        rss_ratio_sys = r["rust_sys"].rss_median / r["curl_sys"].rss_median
        target("Peak RSS of the module at most half of curl's (`ca_path` / system store)",
               f"{r['rust'].rss_median / 1024:.1f} MiB vs {r['curl'].rss_median / 1024:.1f} MiB "
               f"({rss_ratio:.2f}); {r['rust_sys'].rss_median / 1024:.1f} MiB vs "
               f"{r['curl_sys'].rss_median / 1024:.1f} MiB ({rss_ratio_sys:.2f})",
               rss_ratio <= 0.5 and rss_ratio_sys <= 0.5)
        size_ok = all((s if s is not None else size) <= MAX_BINARY_BYTES for _, size, s in self.sizes)
        target("Stripped binary at most 2 MB (2,000,000 bytes) per module",
               ", ".join(f"{m}: {(s if s is not None else size):,} B" for m, size, s in self.sizes), size_ok)
        target("All pages: one TLS connection",
               f"{r['rust_all'].requests_seen} requests on {r['rust_all'].connections} connection(s)",
               r["rust_all"].connections == 1 and r["rust_all"].requests_seen == PAGES)
        target("All pages: at least 10x faster than the Python module",
               f"python/rust = {ratio('python_all', 'rust_all'):.1f}x", ratio("python_all", "rust_all") >= 10)

        L = []
        add = L.append
        now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        add("<!-- Generated by `make bench` (benches/run.py). Do not edit: run `make bench` again. -->")
        add("# Benchmarks")
        add("")
        add(f"Measured by `make bench` on {now}, in one run of {self.elapsed:.0f} s on the machine below, against "
            f"`fakehub` (the Docker Hub stand-in in `tests/fakehub`) serving TLS on 127.0.0.1 with {TOKENS:,} tokens."
            + (" **Quick mode (`--quick`): few runs, indicative only.**" if self.opts.quick else ""))
        add("Every number in the generated sections below was measured in that run; nothing is copied from "
            "elsewhere. The hand-written profiling notes at the end say where their own numbers come from.")
        add("")
        if self.problems:
            add("**This run is not valid:** " + "; ".join(self.problems))
            add("")
        add("## Machine and versions")
        add("")
        add("| | |")
        add("|---|---|")
        for k, v in self.machine() + self.versions():
            add(f"| {k} | {v.replace('|', '/')} |")
        add("")
        add("## Targets")
        add("")
        add("| Target | Measured (medians) | Met |")
        add("|---|---|---|")
        for what, measured, met in targets:
            add(f"| {what} | {measured} | {'yes' if met else '**NO**'} |")
        add("")
        add("## Results")
        add("")
        add("Wall time per command (hyperfine, no shell, two passes pooled), CPU time (user + system, mean) and "
            "peak RSS (`/usr/bin/time -v`, median of the runs shown). Rows marked *ref* are reference floors.")
        add("")
        add("| Group | Command | Median | Min | Max | Runs | CPU | Peak RSS | Runs (RSS) |")
        add("|---|---|---:|---:|---:|---:|---:|---:|---:|")
        for row in r.values():
            label = row.label + (" *(ref)*" if row.reference else "")
            add(f"| {row.group} | {label} | {ms(row.median)} | {ms(min(row.times))} | {ms(max(row.times))} | "
                f"{len(row.times)} | {ms(cpu(row))} | {row.rss_median / 1024:.1f} MiB | {len(row.rss_kb)} |")
        add("")
        add("For the `ansible` rows the wall time is the whole `ansible` command, and the peak RSS is that of the "
            "largest process of the tree (the controller), as `wait4` reports it, not the sum.")
        add("")
        add("## Ratios")
        add("")
        add("| Ratio (of medians) | Value |")
        add("|---|---:|")
        for name, a, b in (
            ("Rust / curl, one list call, `ca_path`", "rust", "curl"),
            ("Rust / curl, one list call, system CA store", "rust_sys", "curl_sys"),
            ("Python / Rust, one list call, module-only", "python", "rust"),
            ("Rust end to end / `ansible.builtin.ping`", "rust_e2e", "ping"),
            ("Python end to end / `ansible.builtin.ping`", "python_e2e", "ping"),
            ("Python / Rust end to end", "python_e2e", "rust_e2e"),
            ("Python / Rust, all pages", "python_all", "rust_all"),
            ("Rust / curl, all pages (10 URLs, one connection)", "rust_all", "curl_all"),
            ("Python / Rust, login", "python_login", "rust_login"),
            ("Rust / curl, login", "rust_login", "curl_login"),
        ):
            add(f"| {name} | {ratio(a, b):.2f} |")
        add(f"| Peak RSS Rust / curl, one list call, `ca_path` | {rss_ratio:.2f} |")
        add(f"| Peak RSS Rust / curl, one list call, system CA store | {rss_ratio_sys:.2f} |")
        add(f"| Peak RSS Python / Rust, one list call | {r['python'].rss_median / r['rust'].rss_median:.1f} |")
        add("")
        add("## Binary sizes")
        add("")
        add("| Module | On disk (`plugins/modules/`) | After `strip` | sha256 |")
        add("|---|---:|---:|---|")
        for module, size, stripped in self.sizes:
            digest = self.fingerprint.get(f"plugins/modules/{module}", "?")[:16]
            add(f"| {module} | {size:,} B | {f'{stripped:,} B' if stripped is not None else 'strip not available'} "
                f"| `{digest}…` |")
        add("")
        add("## Output and connection checks (before timing)")
        add("")
        add("| Row | Checked |")
        add("|---|---|")
        for row in r.values():
            add(f"| {row.key} | {row.verified} |")
        add("")
        add(f"After the run fakehub had recorded {self.served:,} requests; the commands run (checks, warm-ups, "
            f"timed runs, RSS runs, profiling runs) account for {self.expected_requests:,}."
            + (" They match." if self.served == self.expected_requests else " **They do not match.**"))
        add("")
        profiled = [row for row in r.values() if row.instructions or row.syscalls]
        if profiled:
            add("## Instruction and syscall counts (client process only)")
            add("")
            add("Instructions from `valgrind --tool=callgrind` (all threads of the client, not the server); "
                "syscalls and threads spawned (`clone`/`clone3`) from `strace -f -c`. One run each.")
            add("")
            add("| Row | Instructions | Syscalls | Threads spawned |")
            add("|---|---:|---:|---:|")
            for row in profiled:
                ins = f"{row.instructions:,}" if row.instructions else "-"
                sc = f"{row.syscalls[0]:,}" if row.syscalls else "-"
                th = f"{row.syscalls[1]}" if row.syscalls else "-"
                add(f"| {row.key} | {ins} | {sc} | {th} |")
            add("")
        add("## Commands")
        add("")
        add(f"`$HUB` is fakehub's base URL, `$JWT` its login token, `$CA` its CA file, `$WORK` the run's temporary "
            f"directory (args files: plain options object for the binaries, `{{\"ANSIBLE_MODULE_ARGS\": ...}}` for "
            f"the Python modules), `$VENV` the project venv. `system-plus-fakehub.pem` is a copy of "
            f"`{self.system_ca}` ({self.bundle_certs - 1} certificates) with the fakehub CA appended. "
            f"Every command runs with the caller's `SSL_CERT_FILE`, `SSL_CERT_DIR`, `REQUESTS_CA_BUNDLE`, "
            f"`CURL_CA_BUNDLE`, proxy and `ANSIBLE_*` variables removed; the `ansible` rows set "
            f"`ANSIBLE_COLLECTIONS_PATH=$WORK/collections` (this checkout as `{FQCN}`, `benches/python/` as "
            f"`{PY_FQCN}`), `ANSIBLE_HOME=$WORK/ansible-home`, `ANSIBLE_LOCALHOST_WARNING=False`, "
            f"`ANSIBLE_INVENTORY_UNPARSED_WARNING=False`, `ANSIBLE_NOCOLOR=True`, and otherwise Ansible's defaults "
            f"(implicit localhost, local connection, no pipelining).")
        add("")
        w, n, m = self.runs["fast"]
        add(f"Timing: `hyperfine -N --warmup W --runs N '<command>'`, twice per row (all rows in order, then in "
            f"reverse order), W/N = {w}/{n} per pass for the binaries and curl, "
            f"{self.runs['python'][0]}/{self.runs['python'][1]} for the Python modules, "
            f"{self.runs['ansible'][0]}/{self.runs['ansible'][1]} for `ansible`; peak RSS: `/usr/bin/time -v "
            f"<command>`, {m} runs for the binaries and curl, {self.runs['python'][2]} for the Python modules, "
            f"{self.runs['ansible'][2]} for `ansible`.")
        add("")
        add("```")
        for row in r.values():
            add(f"# {row.key}")
            add(self.display(row))
        add("```")
        add("")
        notes = BENCHES / "analysis.md"
        if notes.is_file():
            add(notes.read_text().rstrip())
            add("")
        out = Path(self.opts.output)
        if not out.is_absolute():
            out = REPO / out
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("\n".join(L))
        log(f"wrote {out} ({self.elapsed:.0f} s)")
        for what, measured, met in targets:
            log(f"{'MET ' if met else 'MISS'} {what}: {measured}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="few runs (to try the script), numbers indicative only")
    parser.add_argument("--output", default="docs/benchmarks.md", help="the Markdown report (default: %(default)s)")
    parser.add_argument("--no-profile", action="store_true", help="skip the callgrind and strace counts")
    opts = parser.parse_args()
    bench = Bench(opts)
    try:
        bench.run()
    except BenchError as e:
        print(f"bench: FAILED: {e}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(bench.work, ignore_errors=True)
    if bench.problems:
        print("bench: FAILED: " + "; ".join(bench.problems), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
