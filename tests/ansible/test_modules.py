# Copyright: contributors to community.missing_collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The modules run by real ansible-core (ad-hoc and playbooks) against fakehub."""

from __future__ import annotations

import json
import re
import time

import yaml

from conftest import (
    INFO,
    LOGIN,
    REPO,
    describe,
    parse_adhoc,
    parse_recap,
)

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def adhoc_ok(adhoc, module, args, *extra):
    proc = adhoc(module, args, *extra)
    assert proc.returncode == 0, describe(proc)
    status, result = parse_adhoc(proc.stdout)
    assert status == "SUCCESS", describe(proc)
    return result


def adhoc_failed(adhoc, module, args, *extra):
    proc = adhoc(module, args, *extra)
    assert proc.returncode != 0, describe(proc)
    status, result = parse_adhoc(proc.stdout)
    # (ansible-core 2.19+ leaves `failed` out of the printed result; the status says it.)
    assert status == "FAILED!", describe(proc)
    return result


def hub_args(fakehub, **options) -> str:
    """key=value ad-hoc arguments for the info module against fakehub."""
    base = {"token": fakehub["jwt"], "url": fakehub["tokens_url"], "ca_path": fakehub["ca_path"]}
    base.update(options)
    return " ".join(f"{k}={v}" for k, v in base.items())


# ------------------------------------------------------------------ ad-hoc


def test_adhoc_page_two_with_string_options(adhoc, fakehub):
    """key=value arguments arrive as strings ("2", "5") and are converted."""
    everything = adhoc_ok(adhoc, INFO, hub_args(fakehub, page_size=100))
    page2 = adhoc_ok(adhoc, INFO, hub_args(fakehub, page=2, page_size=5))

    assert page2["changed"] is False
    result = page2["result"]
    assert result["count"] == 12
    assert len(result["results"]) == 5
    assert "page=3" in result["next"] and "page_size=5" in result["next"]
    assert "page=1" in result["previous"] or "page=" not in result["previous"]
    all_uuids = [t["uuid"] for t in everything["result"]["results"]]
    assert len(all_uuids) == 12
    assert [t["uuid"] for t in result["results"]] == all_uuids[5:10]
    for token in result["results"]:
        assert UUID.match(token["uuid"])
        assert set(token) >= {
            "uuid", "client_id", "creator_ip", "creator_ua", "created_at", "last_used",
            "generated_by", "is_active", "token", "token_label", "scopes",
        }
    assert set(page2["rate_limit"]) == {"limit", "remaining", "reset"}


def test_adhoc_json_arguments_keep_their_types(adhoc, fakehub):
    args = json.dumps({
        "token": fakehub["jwt"], "url": fakehub["tokens_url"], "ca_path": fakehub["ca_path"],
        "page": 3, "page_size": 5, "all_pages": False,
    })
    result = adhoc_ok(adhoc, INFO, args)["result"]
    assert len(result["results"]) == 2  # 12 tokens: 5 + 5 + 2
    assert result["next"] is None


def test_adhoc_bad_options_are_all_reported(adhoc, fakehub):
    result = adhoc_failed(adhoc, INFO, hub_args(fakehub, page=0, page_size=500, bogus="x"))
    msg = result["msg"]
    assert "bogus" in msg, msg
    assert "Unsupported parameters" in msg, msg


def test_adhoc_invalid_values_are_reported(adhoc, fakehub):
    result = adhoc_failed(adhoc, INFO, hub_args(fakehub, page=0, page_size=500, uuid="not-a-uuid"))
    msg = result["msg"]
    for option in ("page", "page_size", "uuid"):
        assert option in msg, msg


def test_adhoc_missing_required_option(adhoc, fakehub):
    result = adhoc_failed(adhoc, LOGIN, f"url={fakehub['login_url']} ca_path={fakehub['ca_path']} username=x")
    assert "missing required arguments: password" in result["msg"]


def test_wrong_token_fails_with_explanation(adhoc, fakehub):
    result = adhoc_failed(adhoc, INFO, hub_args(fakehub, token="not-a-jwt", retries=0))
    msg = result["msg"]
    assert "401" in msg, msg
    assert re.search(r"log(ging)? ?in", msg, re.I), msg
    assert LOGIN in msg, msg
    assert result["status"] == 401
    assert result["code"] == 401
    assert "result" not in result


def test_personal_access_token_as_bearer_is_explained(adhoc, fakehub):
    result = adhoc_failed(adhoc, INFO, hub_args(fakehub, token=fakehub["pat"], retries=0))
    assert result["status"] == 401
    assert "personal access token" in result["msg"], result["msg"]
    assert fakehub["pat"] not in json.dumps(result)


def test_login_made_with_a_pat_cannot_read_tokens(adhoc, fakehub):
    """Docker Hub answers 403 to a JWT from a PAT login; the message says to use the password."""
    login = adhoc_ok(
        adhoc, LOGIN,
        f"url={fakehub['login_url']} ca_path={fakehub['ca_path']} "
        f"username={fakehub['username']} password={fakehub['pat']}",
    )
    jwt = login["token"]
    assert jwt.count(".") == 2
    result = adhoc_failed(adhoc, INFO, hub_args(fakehub, token=jwt, retries=0))
    assert result["status"] == 403
    assert result["code"] == 403
    assert "password" in result["msg"], result["msg"]
    assert "personal access token" in result["msg"], result["msg"]


def test_wrong_password_fails_and_is_not_retried(adhoc, fakehub):
    before = len(fakehub.requests())
    result = adhoc_failed(
        adhoc, LOGIN,
        f"url={fakehub['login_url']} ca_path={fakehub['ca_path']} "
        f"username={fakehub['username']} password=not-the-password retries=3",
    )
    assert result["status"] == 401
    assert "not-the-password" not in json.dumps(result)
    logins = [r for r in fakehub.requests()[before:] if r["path"].endswith("/login")]
    assert len(logins) == 1, logins


def test_unknown_uuid_is_a_404(adhoc, fakehub):
    result = adhoc_failed(adhoc, INFO, hub_args(fakehub, uuid="00000000-0000-4000-8000-000000000000"))
    assert result["status"] == 404
    assert "00000000-0000-4000-8000-000000000000" in result["msg"]


def test_two_factor_login(adhoc, workdir):
    from conftest import FakeHub  # pylint: disable=import-outside-toplevel

    hub = FakeHub(["--tokens", "1", "--totp-code", "314159"], workdir)
    try:
        base = (
            f"url={hub['login_url']} ca_path={hub['ca_path']} "
            f"username={hub['username']} password={hub['password']}"
        )
        missing = adhoc_failed(adhoc, LOGIN, base)
        assert "code" in missing["msg"], missing["msg"]
        wrong = adhoc_failed(adhoc, LOGIN, base + " code=000000 retries=0")
        assert wrong["status"] == 401
        good = adhoc_ok(adhoc, LOGIN, base + " code=314159")
        assert good["token"].count(".") == 2
        listed = adhoc_ok(adhoc, INFO, f"token={good['token']} url={hub['tokens_url']} ca_path={hub['ca_path']}")
        assert listed["result"]["count"] == 1
    finally:
        hub.stop()


def test_transient_errors_are_retried(adhoc, clean_faults):
    hub = clean_faults
    hub.push_fault(
        {"kind": "status", "status": 503, "body": {"detail": "try later"}, "headers": [["Retry-After", "1"]]},
        path_prefix="/v2/access-tokens",
        times=2,
    )
    before = len(hub.requests())
    started = time.monotonic()
    result = adhoc_ok(adhoc, INFO, hub_args(hub, retries=3, page_size=2))
    elapsed = time.monotonic() - started
    assert len(result["result"]["results"]) == 2
    gets = [r for r in hub.requests()[before:] if r["path"].startswith("/v2/access-tokens")]
    assert len(gets) == 3, gets
    assert elapsed >= 2, f"Retry-After: 1 twice, but the run took {elapsed:.1f} s"


def test_retries_zero_gives_up_at_once(adhoc, clean_faults):
    hub = clean_faults
    hub.push_fault(
        {"kind": "status", "status": 429, "body": {"detail": "slow down"}, "headers": [["Retry-After", "1"]]},
        path_prefix="/v2/access-tokens",
    )
    result = adhoc_failed(adhoc, INFO, hub_args(hub, retries=0))
    assert result["status"] == 429
    assert "429" in result["msg"]


def test_timeout_bounds_a_silent_server(adhoc, clean_faults):
    hub = clean_faults
    hub.push_fault({"kind": "no_response"}, path_prefix="/v2/access-tokens")
    started = time.monotonic()
    result = adhoc_failed(adhoc, INFO, hub_args(hub, retries=0, timeout=2))
    elapsed = time.monotonic() - started
    assert "time" in result["msg"].lower(), result["msg"]
    assert elapsed < 30, elapsed


# ------------------------------------------------------------------ playbooks


def test_playbook_with_native_types(playbook, workdir):
    proc = playbook("native_types.yml")
    assert proc.returncode == 0, describe(proc)
    recap = parse_recap(proc.stdout)["localhost"]
    assert recap["failed"] == 0 and recap["ok"] == 13, describe(proc)
    saved = json.loads((workdir / "out" / "native_types.json").read_text())
    assert saved["page2"]["result"]["count"] == 12
    assert saved["page2"]["changed"] is False


def test_check_mode_runs_and_returns_the_same(playbook, workdir):
    normal = playbook("check_mode.yml", "-e", "mode=normal")
    assert normal.returncode == 0, describe(normal)
    check = playbook("check_mode.yml", "--check", "-e", "mode=check")
    assert check.returncode == 0, describe(check)
    for proc in (normal, check):
        recap = parse_recap(proc.stdout)["localhost"]
        assert recap["failed"] == 0 and recap["skipped"] == 0 and recap["ok"] == 5, describe(proc)
    out = workdir / "out"
    assert json.loads((out / "check_mode-check.json").read_text()) == json.loads(
        (out / "check_mode-normal.json").read_text()
    )


def test_module_defaults_through_the_action_group(playbook):
    proc = playbook("module_defaults.yml")
    assert proc.returncode == 0, describe(proc)
    recap = parse_recap(proc.stdout)["localhost"]
    assert recap["failed"] == 0 and recap["ignored"] == 1 and recap["ok"] == 5, describe(proc)


def test_target_without_python(playbook, workdir):
    inventory = workdir / "no-python.ini"
    inventory.write_text("localhost ansible_connection=local ansible_python_interpreter=/nonexistent/python\n")
    proc = playbook("no_python.yml", inventory_path=inventory)
    assert proc.returncode == 0, describe(proc)
    recap = parse_recap(proc.stdout)["localhost"]
    assert recap["failed"] == 0 and recap["ok"] == 4, describe(proc)


def test_secrets_never_appear_at_vvv(playbook, workdir, clean_faults):
    hub = clean_faults
    wrong_password = "Wr0ng-Passw0rd-for-the-test"
    bogus_token = "bogus-token-value-that-is-no-jwt"
    totp_code = "271828"
    hub.push_fault({"kind": "echo_authorization", "status": 401}, path_prefix="/v2/access-tokens")
    proc = playbook(
        "secrets.yml", "-vvv",
        "-e", f"wrong_password={wrong_password}",
        "-e", f"bogus_token={bogus_token}",
        "-e", f"totp_code={totp_code}",
    )
    assert proc.returncode == 0, describe(proc)
    recap = parse_recap(proc.stdout)["localhost"]
    assert recap["failed"] == 0 and recap["ignored"] == 4, describe(proc)
    login_token = (workdir / "out" / "login-token").read_text()
    assert login_token.count(".") == 2
    output = proc.stdout + proc.stderr
    # The output is really verbose and holds module results.
    assert "EXEC /bin/sh" in output and '"result"' in output, describe(proc)
    # The server echoed the bearer into its error body; the module masked it.
    assert "********" in output, describe(proc)
    for name, secret in {
        "login token": login_token,
        "fakehub JWT": hub["jwt"],
        "password": hub["password"],
        "wrong password": wrong_password,
        "bogus token": bogus_token,
        "TOTP code": totp_code,
    }.items():
        # -e values are not printed by ansible-playbook; anything found came from a task.
        assert secret not in output, f"the {name} appears in the -vvv output"


def test_documented_example_flow(playbook, workdir, fakehub):
    """The EXAMPLES of both sidecars, task for task, with only play-level module_defaults."""
    tasks = []
    for module in ("docker_hub_token", "docker_hub_personal_token_info"):
        doc = yaml.safe_load((REPO / "plugins" / "modules" / f"{module}.yml").read_text())
        examples = yaml.safe_load(doc["EXAMPLES"])
        assert isinstance(examples, list) and examples, f"{module}: EXAMPLES is not a task list"
        tasks.append((module, examples))
    plays = []
    for module, examples in tasks:
        plays.append({
            "name": f"EXAMPLES of {module}",
            "hosts": "localhost",
            "gather_facts": False,
            "vars": {"vault_docker_hub_password": "{{ fakehub.password }}"},
            "module_defaults": {
                "group/community.missing_collection.docker_hub": {"ca_path": "{{ fakehub.ca_path }}"},
                LOGIN: {"url": "{{ fakehub.login_url }}"},
                INFO: {"url": "{{ fakehub.tokens_url }}"},
            },
            "tasks": examples + [{
                "name": "Save what the examples registered",
                "ansible.builtin.copy": {
                    "content": "{{ {'tokens': docker_hub_tokens} | to_nice_json }}",
                    "dest": "{{ out_dir }}/examples-" + module + ".json",
                    "mode": "0600",
                },
            }],
        })
    path = workdir / "examples.yml"
    path.write_text(yaml.safe_dump(plays, sort_keys=False))
    proc = playbook(path)
    assert proc.returncode == 0, describe(proc)
    recap = parse_recap(proc.stdout)["localhost"]
    assert recap["failed"] == 0 and recap["unreachable"] == 0, describe(proc)
    for module in ("docker_hub_token", "docker_hub_personal_token_info"):
        saved = json.loads((workdir / "out" / f"examples-{module}.json").read_text())
        assert saved["tokens"]["result"]["count"] == 12
        assert len(saved["tokens"]["result"]["results"]) == 12
    # The first task of each EXAMPLES logs in as the documented user.
    assert fakehub["username"] == "my-docker-id"


def test_plain_http_only_to_loopback(adhoc, workdir):
    refused = adhoc_failed(adhoc, INFO, "token=x url=http://hub.example.com/v2/access-tokens/ retries=0")
    assert "https" in refused["msg"], refused["msg"]

    from conftest import FakeHub  # pylint: disable=import-outside-toplevel

    hub = FakeHub(["--tokens", "3", "--http"], workdir)
    try:
        assert hub["url"].startswith("http://127.0.0.1:")
        login = adhoc_ok(
            adhoc, LOGIN,
            f"url={hub['login_url']} username={hub['username']} password={hub['password']}",
        )
        listed = adhoc_ok(adhoc, INFO, f"token={login['token']} url={hub['tokens_url']}")
        assert listed["result"]["count"] == 3
    finally:
        hub.stop()


def test_validate_certs_false_warns(adhoc, fakehub):
    proc = adhoc(INFO, f"token={fakehub['jwt']} url={fakehub['tokens_url']} validate_certs=false page_size=1")
    assert proc.returncode == 0, describe(proc)
    status, result = parse_adhoc(proc.stdout)
    assert status == "SUCCESS"
    assert len(result["result"]["results"]) == 1
    # The module's warning is shown by the controller (stderr in recent versions).
    assert "validate_certs is false" in proc.stdout + proc.stderr, describe(proc)
