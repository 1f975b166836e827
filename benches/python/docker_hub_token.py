#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to community.missing_collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark baseline only: docker_hub_token as a typical Python module.

This is NOT part of the collection. It is the comparison point for `make bench`
(docs/benchmarks.md): the same options and the same login call as the Rust
executable, written with AnsibleModule and requests.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: docker_hub_token
short_description: Log in to Docker Hub and return a JWT (Python baseline for benchmarks)
description:
  - Benchmark baseline written with AnsibleModule and requests. Not shipped in the collection.
options:
  username: {type: str, required: true}
  password: {type: str, required: true}
  url: {type: str, default: "https://hub.docker.com/v2/users/login"}
  code: {type: str}
  validate_certs: {type: bool, default: true}
  ca_path: {type: path}
  timeout: {type: int, default: 30}
  use_proxy: {type: bool, default: true}
  retries: {type: int, default: 3}
author: community.missing_collection contributors
"""

RETURN = r"""
token: {description: The login JWT, type: str, returned: success}
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

try:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    HAS_REQUESTS = True
except ImportError:
    HAS_REQUESTS = False


def post_json(module, session, url, payload):
    try:
        # verify per request: a session-level value would lose to REQUESTS_CA_BUNDLE.
        verify = (module.params["ca_path"] or True) if module.params["validate_certs"] else False
        response = session.post(url, json=payload, timeout=module.params["timeout"], verify=verify)
    except requests.exceptions.RequestException as e:
        module.fail_json(msg="POST %s failed: %s" % (url, e))
    try:
        data = response.json()
    except ValueError:
        data = None
    return response, data


def main():
    module = AnsibleModule(
        argument_spec=dict(
            username=dict(type="str", required=True),
            password=dict(type="str", required=True, no_log=True),
            url=dict(type="str", default="https://hub.docker.com/v2/users/login"),
            code=dict(type="str", no_log=True),
            validate_certs=dict(type="bool", default=True),
            ca_path=dict(type="path"),
            timeout=dict(type="int", default=30),
            use_proxy=dict(type="bool", default=True),
            retries=dict(type="int", default=3),
        ),
        supports_check_mode=True,
    )
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"))
    p = module.params

    session = requests.Session()
    session.trust_env = p["use_proxy"]
    session.headers.update(
        {
            "Accept": "application/json",
            "User-Agent": "community.missing_collection.docker_hub_token/bench-python",
        }
    )
    # Never retry a 401: repeated failed logins lock the account.
    retry = Retry(
        total=p["retries"],
        backoff_factor=1,
        status_forcelist=(429, 502, 503, 504),
        allowed_methods=frozenset(["POST"]),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    session.mount("https://", HTTPAdapter(max_retries=retry))
    session.mount("http://", HTTPAdapter(max_retries=retry))

    url = p["url"]
    response, data = post_json(module, session, url, {"username": p["username"], "password": p["password"]})
    if response.status_code == 401 and isinstance(data, dict) and data.get("login_2fa_token"):
        ticket = data["login_2fa_token"]
        if not p["code"]:
            module.fail_json(msg="two-factor authentication is on for '%s': set code" % p["username"])
        second = url.split("/v2/")[0] + "/v2/users/2fa-login"
        response, data = post_json(module, session, second, {"login_2fa_token": ticket, "code": p["code"]})
    session.close()
    if response.status_code >= 400 or not isinstance(data, dict) or not data.get("token"):
        module.fail_json(
            msg="POST %s returned HTTP %s: %s" % (url, response.status_code, response.reason),
            status=response.status_code,
        )
    module.exit_json(changed=False, token=data["token"])


if __name__ == "__main__":
    main()
