#!/usr/bin/python3
"""Interop with Python authlib (Debian's python3-authlib) against a running edge-oidc provider.

Run by authlib.interop.test.ts with /usr/bin/python3. Input (environment):
  ISSUER        the issuer identifier (discovery is fetched from it)
  REDIRECT_URI  registered for every client; nothing listens there (the form driver stops at it)
  USERNAME, PASSWORD  the user who signs in on the login page (over HTTP, with a requests session)
  CLIENTS       JSON: {"<auth method>": {"client_id": ..., "client_secret": ... | "private_key_pem": ...}}
  SCOPE, SERVICE_SCOPE  the scopes of the code flow and of client_credentials
Output (stdout): JSON {"authlib": version, "results": {"<method>:<flow>": {"ok": bool, "detail": str}}}.
Every flow runs and reports, even after another one failed.
"""
import json
import os
import secrets
import sys
import traceback
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

try:
    import authlib
    import requests
    from authlib.integrations.requests_client import OAuth2Session
    from authlib.jose import JsonWebKey, jwt
    from authlib.oauth2.rfc7523 import ClientSecretJWT, PrivateKeyJWT
    from authlib.oidc.core import CodeIDToken
except ImportError as err:  # the test turns this into a failure with the message
    print(json.dumps({"missing": str(err)}))
    sys.exit(3)


class Forms(HTMLParser):
    """The forms of a page: action, method, and their named inputs and buttons."""

    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or "", "method": (a.get("method") or "get").upper(),
                               "inputs": [], "buttons": []})
        elif self.forms and tag in ("input", "button") and a.get("name"):
            kind = (a.get("type") or ("submit" if tag == "button" else "text")).lower()
            entry = (a["name"], a.get("value") or "")
            if tag == "button" or kind == "submit":
                self.forms[-1]["buttons"].append(entry)
            else:
                self.forms[-1]["inputs"].append(entry)


def sign_in(browser, url, client_origin, username, password):
    """Follow the authorization request through login and consent; return the redirect to the client."""
    method, data, origin = "GET", None, None
    for _ in range(20):
        headers = {"Origin": origin} if origin else {}
        res = browser.request(method, url, data=data, headers=headers, allow_redirects=False)
        if res.is_redirect:
            target = urljoin(url, res.headers["Location"])
            if target.startswith(client_origin):
                return target
            method, data, origin, url = "GET", None, None, target
            continue
        if res.status_code != 200:
            raise RuntimeError(f"HTTP {res.status_code} at {url}: {res.text[:500]}")
        parser = Forms()
        parser.feed(res.text)
        page = urlsplit(url)
        origin = f"{page.scheme}://{page.netloc}"
        login = next((f for f in parser.forms if {"username", "password"} <= {n for n, _ in f["inputs"]}), None)
        consent = next((f for f in parser.forms if ("decision", "allow") in f["buttons"]), None)
        if login:
            fields = {n: v for n, v in login["inputs"]}
            fields.update(username=username, password=password)
            fields.update(dict(login["buttons"][:1]))
            form = login
        elif consent:
            fields = {n: v for n, v in consent["inputs"]}
            fields["decision"] = "allow"
            form = consent
        else:
            raise RuntimeError(f"a page with neither a login nor a consent form at {url}: {res.text[:500]}")
        method, data, url = form["method"], fields, urljoin(url, form["action"] or url)
    raise RuntimeError("no redirect to the client after 20 steps")


def session_for(method, client, meta, **kwargs):
    """An OAuth2Session authenticating with `method` at the token, introspection and revocation endpoints."""
    secret = client.get("client_secret") or client.get("private_key_pem")
    session = OAuth2Session(client["client_id"], secret, token_endpoint_auth_method=method,
                            revocation_endpoint_auth_method=method, **kwargs)
    # authlib signs assertions with the token endpoint as audience (accepted at every endpoint).
    if method == "client_secret_jwt":
        session.register_client_auth_method(ClientSecretJWT(meta["token_endpoint"]))
    elif method == "private_key_jwt":
        session.register_client_auth_method(PrivateKeyJWT(meta["token_endpoint"]))
    return session


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def run_flows(method, client, meta, jwks, env, results):
    issuer, redirect_uri = env["ISSUER"], env["REDIRECT_URI"]
    client_id = client["client_id"]

    def step(name, fn):
        key = f"{method}:{name}"
        try:
            detail = fn()
            results[key] = {"ok": True, "detail": detail or ""}
            return True
        except Exception as err:  # reported, not raised: every flow runs
            results[key] = {"ok": False, "detail": f"{type(err).__name__}: {err}",
                            "trace": traceback.format_exc(limit=3)}
            return False

    state = {}

    def code_flow():
        session = session_for(method, client, meta, scope=env["SCOPE"], redirect_uri=redirect_uri,
                              code_challenge_method="S256")
        verifier = secrets.token_urlsafe(48)
        nonce = secrets.token_urlsafe(16)
        url, st = session.create_authorization_url(meta["authorization_endpoint"], state=secrets.token_urlsafe(16),
                                                   code_verifier=verifier, nonce=nonce)
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(redirect_uri))
        callback = sign_in(requests.Session(), url, origin, env["USERNAME"], env["PASSWORD"])
        # Checks state; sends the code_verifier (PKCE S256).
        token = session.fetch_token(meta["token_endpoint"], authorization_response=callback, state=st,
                                    code_verifier=verifier)
        claims = jwt.decode(token["id_token"], jwks, claims_cls=CodeIDToken,
                            claims_options={"iss": {"essential": True, "value": issuer},
                                            "aud": {"essential": True, "value": client_id}},
                            claims_params={"nonce": nonce, "client_id": client_id,
                                           "access_token": token["access_token"]})
        claims.validate(leeway=10)
        check("refresh_token" in token, "no refresh token (offline_access was asked for)")
        state.update(session=session, token=token, sub=claims["sub"])
        return f"sub={claims['sub']}"

    def userinfo():
        res = state["session"].get(meta["userinfo_endpoint"])
        check(res.status_code == 200, f"HTTP {res.status_code}: {res.text[:300]}")
        body = res.json()
        check(body.get("sub") == state["sub"], f"sub {body.get('sub')} != {state['sub']}")
        check(isinstance(body.get("email"), str), "no email")
        return "sub matches"

    def refresh():
        old = state["token"]["refresh_token"]
        token = state["session"].refresh_token(meta["token_endpoint"], refresh_token=old)
        check(token.get("refresh_token") not in (None, old), "the refresh token was not rotated")
        state["token"] = token
        return "rotated"

    def introspection():
        res = state["session"].introspect_token(meta["introspection_endpoint"], token=state["token"]["access_token"])
        check(res.status_code == 200, f"HTTP {res.status_code}: {res.text[:300]}")
        body = res.json()
        check(body.get("active") is True and body.get("client_id") == client_id, f"unexpected: {body}")
        return "active"

    def revocation():
        rt = state["token"]["refresh_token"]
        res = state["session"].revoke_token(meta["revocation_endpoint"], token=rt, token_type_hint="refresh_token")
        check(res.status_code == 200, f"HTTP {res.status_code}: {res.text[:300]}")
        after = state["session"].introspect_token(meta["introspection_endpoint"], token=rt).json()
        check(after.get("active") is False, f"still active after revocation: {after}")
        return "inactive after revocation"

    def client_credentials():
        session = session_for(method, client, meta, scope=env["SERVICE_SCOPE"])
        token = session.fetch_token(meta["token_endpoint"], grant_type="client_credentials")
        check(token.get("scope") == env["SERVICE_SCOPE"], f"scope {token.get('scope')}")
        check("refresh_token" not in token and "id_token" not in token, "unexpected tokens")
        res = session.introspect_token(meta["introspection_endpoint"], token=token["access_token"])
        check(res.json().get("active") is True, f"introspection: {res.text[:300]}")
        return "issued and active"

    if step("code_flow", code_flow):
        for name, fn in (("userinfo", userinfo), ("refresh", refresh), ("introspection", introspection),
                         ("revocation", revocation)):
            step(name, fn)
    else:
        for name in ("userinfo", "refresh", "introspection", "revocation"):
            results[f"{method}:{name}"] = {"ok": False, "detail": "not run: the code flow failed"}
    step("client_credentials", client_credentials)


def main():
    env = os.environ
    meta = requests.get(env["ISSUER"] + "/.well-known/openid-configuration", timeout=10).json()
    jwks = JsonWebKey.import_key_set(requests.get(meta["jwks_uri"], timeout=10).json())
    results = {}
    for method, client in json.loads(env["CLIENTS"]).items():
        run_flows(method, client, meta, jwks, env, results)
    print(json.dumps({"authlib": authlib.__version__, "results": results}))


if __name__ == "__main__":
    main()
