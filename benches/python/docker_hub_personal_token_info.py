#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to community.missing_collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark baseline only: docker_hub_personal_token_info as a typical Python module.

This is NOT part of the collection. It is the comparison point for `make bench`
(docs/benchmarks.md): the same options and the same HTTP calls as the Rust
executable, written the way most collections write a module today, with
AnsibleModule and requests (one requests.Session for every page).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: docker_hub_personal_token_info
short_description: List or show Docker Hub personal access tokens (Python baseline for benchmarks)
description:
  - Benchmark baseline written with AnsibleModule and requests. Not shipped in the collection.
options:
  token: {type: str, required: true}
  url: {type: str, default: "https://hub.docker.com/v2/access-tokens/"}
  uuid: {type: str}
  page: {type: int, default: 1}
  page_size: {type: int, default: 100}
  all_pages: {type: bool, default: false}
  validate_certs: {type: bool, default: true}
  ca_path: {type: path}
  timeout: {type: int, default: 30}
  use_proxy: {type: bool, default: true}
  retries: {type: int, default: 3}
author: community.missing_collection contributors
"""

RETURN = r"""
result: {description: The page (or every page, or the one token), type: dict, returned: success}
rate_limit: {description: X-RateLimit-* headers of the last answer, type: dict, returned: when sent}
"""

import re

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

try:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    HAS_REQUESTS = True
except ImportError:
    HAS_REQUESTS = False

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
MAX_PAGES = 1000


def make_session(module):
    """One session for the whole run, so every page rides the same connection."""
    p = module.params
    session = requests.Session()
    session.trust_env = p["use_proxy"]
    session.headers.update(
        {
            "Accept": "application/json",
            "Authorization": "Bearer %s" % p["token"],
            "User-Agent": "community.missing_collection.docker_hub_personal_token_info/bench-python",
        }
    )
    retry = Retry(
        total=p["retries"],
        backoff_factor=1,
        status_forcelist=(429, 502, 503, 504),
        allowed_methods=frozenset(["GET", "POST"]),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    session.mount("https://", HTTPAdapter(max_retries=retry))
    session.mount("http://", HTTPAdapter(max_retries=retry))
    return session


def verify_arg(module):
    """Passed with each request: a session-level `verify` would lose to REQUESTS_CA_BUNDLE."""
    p = module.params
    if not p["validate_certs"]:
        return False
    return p["ca_path"] or True


def get_json(module, session, url, params=None):
    try:
        response = session.get(url, params=params, timeout=module.params["timeout"], verify=verify_arg(module))
    except requests.exceptions.RequestException as e:
        module.fail_json(msg="GET %s failed: %s" % (url, e))
    if response.status_code >= 400:
        body = None
        try:
            body = response.json()
        except ValueError:
            pass
        module.fail_json(
            msg="GET %s returned HTTP %s: %s" % (url, response.status_code, response.reason),
            status=response.status_code,
            response=body if isinstance(body, dict) else None,
        )
    try:
        data = response.json()
    except ValueError as e:
        module.fail_json(msg="GET %s did not return JSON: %s" % (url, e))
    if not isinstance(data, dict):
        module.fail_json(msg="GET %s did not return a JSON object" % url)
    return data, response


def rate_limit(response):
    out = {}
    for header, key in (("X-RateLimit-Limit", "limit"), ("X-RateLimit-Remaining", "remaining"),
                        ("X-RateLimit-Reset", "reset")):
        value = response.headers.get(header)
        if value is not None:
            try:
                out[key] = int(value.strip())
            except ValueError:
                pass
    return out


def main():
    module = AnsibleModule(
        argument_spec=dict(
            token=dict(type="str", required=True, no_log=True),
            url=dict(type="str", default="https://hub.docker.com/v2/access-tokens/"),
            uuid=dict(type="str"),
            page=dict(type="int", default=1),
            page_size=dict(type="int", default=100),
            all_pages=dict(type="bool", default=False),
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
    if p["page"] < 1:
        module.fail_json(msg="page must be 1 or more")
    if not 1 <= p["page_size"] <= 100:
        module.fail_json(msg="page_size must be from 1 to 100")
    if p["uuid"] and not UUID_RE.match(p["uuid"]):
        module.fail_json(msg="uuid must be a UUID like 0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9")

    base = p["url"].rstrip("/") + "/"
    session = make_session(module)

    if p["uuid"]:
        result, response = get_json(module, session, base + p["uuid"])
    else:
        query = {"page": p["page"], "page_size": p["page_size"]}
        result, response = get_json(module, session, base, params=query)
        if p["all_pages"]:
            results = list(result.get("results") or [])
            seen = set([response.url])
            next_url = result.get("next")
            while next_url:
                if next_url in seen or len(seen) >= MAX_PAGES:
                    module.fail_json(msg="the next links of %s loop or never end" % base)
                seen.add(next_url)
                page, response = get_json(module, session, next_url)
                results.extend(page.get("results") or [])
                next_url = page.get("next")
            result = {
                "count": result.get("count"),
                "active_count": result.get("active_count"),
                "next": None,
                "previous": None,
                "results": results,
            }
    session.close()

    out = dict(changed=False, result=result)
    limits = rate_limit(response)
    if limits:
        out["rate_limit"] = limits
    module.exit_json(**out)


if __name__ == "__main__":
    main()
