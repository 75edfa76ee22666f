"""Accounts over /graphql: login, throttling, token expiry and revocation, partner API tokens."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.relay import to_global_id
from domain.accounts.models import Account, ApiToken
from domain.accounts.tokens import issue_access_token
from domain.audit.models import AuditEntry
from domain.enums import AreaKind
from domain.settings import Settings
from tests.conftest import GraphQLClient, make_account
from tests.factories import make_area, unique

PASSWORD = "Correct-horse-42"

LOGIN = """
mutation Login($u: String!, $p: String!) {
  login(input: {username: $u, password: $p}) {
    token expiresAt
    viewer { role account { username displayName role } areas { code childrenCount } }
    userErrors { field code message }
  }
}
"""
VIEWER = "{ viewer { role readOnly seesEverything account { id username role } areas { code } grantedAreas { code } } }"
AREAS = "{ areas(first: 5) { totalCount } }"
REVOKE = "mutation R($id: ID) { revokeSessions(input: {accountId: $id}) { account { username } userErrors { code } } }"
CREATE_ACCOUNT = """
mutation C($input: CreateAccountInput!) {
  createAccount(input: $input) { account { id username role area { code } grantedAreas { code } } userErrors { field code message } }
}
"""
CREATE_TOKEN = """
mutation T($input: CreateApiTokenInput!) {
  createApiToken(input: $input) { token apiToken { id name active account { username } } userErrors { field code message } }
}
"""
REVOKE_TOKEN = "mutation V($id: ID!) { revokeApiToken(input: {id: $id}) { apiToken { active revokedAt } userErrors { code } } }"
AUDIT = """
query A($filter: AuditLogFilter) {
  auditLog(filter: $filter, first: 20) { totalCount edges { node { action objectType objectId after account { username } } } }
}
"""


async def _user(sessionmaker: async_sessionmaker[AsyncSession], role: str = "VIEWER", **links: Any) -> Account:
    async with sessionmaker.begin() as session:
        if role == "VIEWER" and "area" not in links:
            links["area"] = await make_area(session, kind=AreaKind.DISTRICT)
        account = await make_account(session, role=role, username=unique("u-").lower(), password=PASSWORD, **links)
        if "area" in links:
            _area_codes[account.id] = links["area"].code
        return account


_area_codes: dict[int, str] = {}


def user_area_code(user: Account) -> str:
    return _area_codes[user.id]


def _client(http: httpx.AsyncClient, token: str | None) -> GraphQLClient:
    return GraphQLClient(http, token)


async def test_login_gives_a_token_that_answers_as_the_account(
    anon: GraphQLClient, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    user = await _user(sessionmaker)
    data = (await anon(LOGIN, {"u": user.username.upper(), "p": PASSWORD}))["login"]
    assert data["userErrors"] == [] and data["token"]
    assert data["viewer"]["role"] == "VIEWER" and data["viewer"]["account"]["username"] == user.username
    assert data["viewer"]["areas"] == [{"code": user_area_code(user), "childrenCount": 0}]  # answers as the account
    expires = datetime.fromisoformat(data["expiresAt"])
    assert timedelta(hours=7) < expires - datetime.now(UTC) <= timedelta(hours=8, minutes=1)
    me = (await _client(client, data["token"])(VIEWER))["viewer"]
    assert me["account"]["username"] == user.username and me["readOnly"] is True


@pytest.mark.parametrize("query", [AREAS, "{ viewer { role } }", "{ node(id: \"QXJlYTox\") { id } }",
                                   "query { __typename areas { totalCount } }"])
async def test_without_a_token_everything_but_login_is_unauthenticated(anon: GraphQLClient, query: str) -> None:
    body = await anon.raw(query)
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


async def test_login_and_typename_need_no_token(anon: GraphQLClient) -> None:
    assert (await anon("{ __typename }")) == {"__typename": "Query"}
    data = (await anon(LOGIN, {"u": "nobody-here", "p": "whatever-123"}))["login"]
    assert data["token"] is None and data["userErrors"][0]["code"] == "INVALID_CREDENTIALS"


@pytest.mark.parametrize("header", ["Bearer not-a-jwt", "Basic abc", "Bearer ggp_unknown", "Bearer "])
async def test_garbage_tokens_are_unauthenticated(client: httpx.AsyncClient, header: str) -> None:
    r = await client.post("/graphql", json={"query": AREAS}, headers={"Authorization": header})
    assert r.status_code == 200
    assert r.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_wrong_password_and_unknown_user_look_the_same(
    anon: GraphQLClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    user = await _user(sessionmaker)
    wrong = (await anon(LOGIN, {"u": user.username, "p": "Wrong-password-1"}))["login"]["userErrors"]
    unknown = (await anon(LOGIN, {"u": "ghost-" + user.username, "p": "Wrong-password-1"}))["login"]["userErrors"]
    assert wrong == unknown == [{"field": "password", "code": "INVALID_CREDENTIALS", "message": "用户名或密码错误"}]


async def test_lockout_after_five_failures_then_reset_unlocks(
    anon: GraphQLClient, gql: GraphQLClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    user = await _user(sessionmaker)
    codes = []
    for _ in range(5):
        codes.append((await anon(LOGIN, {"u": user.username, "p": "Wrong-password-1"}))["login"]["userErrors"][0]["code"])
    assert codes == ["INVALID_CREDENTIALS"] * 4 + ["ACCOUNT_LOCKED"]
    # Locked: even the right password is refused, with the wait in the message.
    locked = (await anon(LOGIN, {"u": user.username, "p": PASSWORD}))["login"]
    assert locked["token"] is None and locked["userErrors"][0]["code"] == "ACCOUNT_LOCKED"
    assert "15 分钟" in locked["userErrors"][0]["message"]
    async with sessionmaker() as session:
        row = await session.get(Account, user.id)
        assert row is not None and row.locked_until is not None
    # The lock is visible to the admin, who resets the password (and unlocks).
    reset = await gql(
        "mutation R($id: ID!) { resetPassword(input: {accountId: $id, newPassword: \"Brand-new-pass-7\"}) "
        "{ account { lockedUntil } userErrors { code } } }",
        {"id": to_global_id("Account", user.id)},
    )
    assert reset["resetPassword"] == {"account": {"lockedUntil": None}, "userErrors": []}
    assert (await anon(LOGIN, {"u": user.username, "p": "Brand-new-pass-7"}))["login"]["token"]
    # Every attempt is in the audit log (who, what, when), passwords nowhere.
    audit = (await gql(AUDIT, {"filter": {"objectType": "Account", "objectId": str(user.id)}}))["auditLog"]
    actions = [e["node"]["action"] for e in audit["edges"]]
    assert actions.count("account.login_failed") == 5 and actions.count("account.locked") == 1
    assert actions[0] == "account.login" and "account.reset_password" in actions
    assert "Wrong-password-1" not in json.dumps(audit) and "Brand-new-pass-7" not in json.dumps(audit)


async def test_lock_expires(
    anon: GraphQLClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    user = await _user(sessionmaker)
    async with sessionmaker.begin() as session:
        row = await session.get(Account, user.id)
        assert row is not None
        row.locked_until = datetime.now(UTC) - timedelta(seconds=1)
    assert (await anon(LOGIN, {"u": user.username, "p": PASSWORD}))["login"]["token"]


async def test_expired_token_is_unauthenticated(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    user = await _user(sessionmaker)
    token, _ = issue_access_token(
        account_id=user.id, generation=0, secret=settings.secret_key, ttl=timedelta(hours=8),
        now=datetime.now(UTC) - timedelta(hours=9),
    )
    body = await _client(client, token).raw(AREAS)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "过期" in body["errors"][0]["message"]


async def test_forged_token_is_unauthenticated(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    user = await _user(sessionmaker, "ADMIN")
    token, _ = issue_access_token(account_id=user.id, generation=0, secret="not-the-secret-but-long-enough-0123456789", ttl=timedelta(hours=1))
    body = await _client(client, token).raw(AREAS)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_revoking_sessions_ends_every_token_at_once(
    anon: GraphQLClient, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    user = await _user(sessionmaker)
    first = (await anon(LOGIN, {"u": user.username, "p": PASSWORD}))["login"]["token"]
    second = (await anon(LOGIN, {"u": user.username, "p": PASSWORD}))["login"]["token"]
    me = _client(client, first)
    assert (await me(REVOKE, {"id": None}))["revokeSessions"]["userErrors"] == []
    for token in (first, second):
        body = await _client(client, token).raw(AREAS)
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert "失效" in body["errors"][0]["message"]
    assert (await anon(LOGIN, {"u": user.username, "p": PASSWORD}))["login"]["token"]


async def test_revoking_someone_elses_sessions_is_for_admins(
    login_as: Any, gql: GraphQLClient, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    victim = await login_as("ADMIN")
    viewer = await _user(sessionmaker)
    token = (await GraphQLClient(client)(LOGIN, {"u": viewer.username, "p": PASSWORD}))["login"]["token"]
    denied = (await _client(client, token)(REVOKE, {"id": to_global_id("Account", victim.account_id)}))
    assert denied["revokeSessions"]["userErrors"] == [{"code": "FORBIDDEN"}]
    assert (await victim("{ viewer { role } }"))["viewer"]["role"] == "ADMIN"
    assert (await gql(REVOKE, {"id": to_global_id("Account", victim.account_id)}))["revokeSessions"]["userErrors"] == []
    assert (await victim.raw("{ viewer { role } }"))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_change_password_follows_the_policy_and_ends_other_sessions(
    anon: GraphQLClient, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    user = await _user(sessionmaker)
    old = (await anon(LOGIN, {"u": user.username, "p": PASSWORD}))["login"]["token"]
    me = _client(client, old)
    q = """mutation C($c: String!, $n: String!) { changePassword(input: {currentPassword: $c, newPassword: $n})
           { token userErrors { field code message } } }"""
    weak = (await me(q, {"c": PASSWORD, "n": "short1"}))["changePassword"]
    assert weak["token"] is None and {e["code"] for e in weak["userErrors"]} == {"INVALID"}
    assert any("10" in e["message"] for e in weak["userErrors"])
    letters = (await me(q, {"c": PASSWORD, "n": "onlyletterslong"}))["changePassword"]["userErrors"]
    assert letters[0]["message"] == "密码须同时包含字母和数字"
    bad_current = (await me(q, {"c": "Not-my-password-1", "n": "Another-pass-123"}))["changePassword"]
    assert bad_current["userErrors"][0]["code"] == "INVALID_CREDENTIALS"
    ok = (await me(q, {"c": PASSWORD, "n": "Another-pass-123"}))["changePassword"]
    assert ok["userErrors"] == [] and ok["token"]
    assert (await _client(client, old).raw(AREAS))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await _client(client, ok["token"])("{ viewer { role } }"))["viewer"]["role"] == "VIEWER"


async def test_create_account_checks_policy_links_and_duplicates(
    gql: GraphQLClient, login_as: Any, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with sessionmaker.begin() as session:
        district = await make_area(session, kind=AreaKind.DISTRICT)
        park = await make_area(session, kind=AreaKind.PARK, parent=district)
    name = unique("Park-Admin-").lower()
    base = {"username": name, "displayName": "园区管理员", "password": "Good-password-1", "role": "PARK_ADMIN"}
    missing = (await gql(CREATE_ACCOUNT, {"input": base}))["createAccount"]
    assert missing["userErrors"][0]["field"] == "areaId" and missing["account"] is None
    not_a_park = (await gql(CREATE_ACCOUNT, {"input": {**base, "areaId": to_global_id("Area", district.id)}}))
    assert not_a_park["createAccount"]["userErrors"][0]["code"] == "INVALID"
    weak = (await gql(CREATE_ACCOUNT, {"input": {**base, "password": "password", "areaId": to_global_id("Area", park.id)}}))
    assert {e["field"] for e in weak["createAccount"]["userErrors"]} == {"password"}
    # A name longer than the column holds is the user's error, not the database's.
    long_name = (await gql(CREATE_ACCOUNT, {"input": {**base, "displayName": "长" * 101,
                                                      "areaId": to_global_id("Area", park.id)}}))["createAccount"]
    assert [(e["field"], e["code"]) for e in long_name["userErrors"]] == [("displayName", "INVALID")]
    # An id of the wrong type is unknown, as in every other mutation.
    wrong_id = (await gql(CREATE_ACCOUNT, {"input": {**base, "areaId": to_global_id("Member", park.id)}}))
    assert [(e["field"], e["code"]) for e in wrong_id["createAccount"]["userErrors"]] == [("areaId", "NOT_FOUND")]
    ok = (await gql(CREATE_ACCOUNT, {"input": {**base, "areaId": to_global_id("Area", park.id)}}))["createAccount"]
    assert ok["userErrors"] == [] and ok["account"]["area"]["code"] == park.code and ok["account"]["role"] == "PARK_ADMIN"
    dup = (await gql(CREATE_ACCOUNT, {"input": {**base, "areaId": to_global_id("Area", park.id)}}))["createAccount"]
    assert dup["userErrors"][0]["code"] == "DUPLICATE"
    # Only ADMIN creates accounts.
    park_admin = await login_as("PARK_ADMIN", area=park)
    denied = (await park_admin(CREATE_ACCOUNT, {"input": {**base, "username": name + "x", "areaId": to_global_id("Area", park.id)}}))
    assert denied["createAccount"]["userErrors"][0]["code"] == "FORBIDDEN"
    # The new account can log in and sees its park.
    login = (await GraphQLClient(gql.http)(LOGIN, {"u": name, "p": "Good-password-1"}))["login"]
    assert login["viewer"]["role"] == "PARK_ADMIN"


async def test_partner_api_tokens_are_hashed_revocable_and_expire(
    gql: GraphQLClient, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with sessionmaker.begin() as session:
        district = await make_area(session, kind=AreaKind.DISTRICT)
        park = await make_area(session, kind=AreaKind.PARK, parent=district)
        partner = await make_account(session, role="PARTNER", granted=[park])
        other = await make_account(session, role="VIEWER", area=district)
    not_partner = await gql(CREATE_TOKEN, {"input": {"accountId": to_global_id("Account", other.id), "name": "x"}})
    assert not_partner["createApiToken"]["userErrors"][0]["code"] == "INVALID"
    made = (await gql(CREATE_TOKEN, {"input": {"accountId": to_global_id("Account", partner.id), "name": "综治平台"}}))["createApiToken"]
    assert made["userErrors"] == [] and made["apiToken"]["active"] and made["token"].startswith("ggp_")
    raw = made["token"]
    async with sessionmaker() as session:
        stored = await session.scalar(select(ApiToken).where(ApiToken.account_id == partner.id))
        assert stored is not None and stored.token_hash == hashlib.sha256(raw.encode()).hexdigest()
        assert raw not in json.dumps([stored.token_hash, stored.name])
    me = (await _client(client, raw)(VIEWER))["viewer"]
    assert me["role"] == "PARTNER" and [a["code"] for a in me["grantedAreas"]] == [park.code]
    # The raw token is never in the audit log.
    assert raw not in json.dumps(await gql(AUDIT, {"filter": {"objectType": "ApiToken"}}))
    listed = await gql("query L($a: ID) { apiTokens(accountId: $a) { totalCount nodes { name lastUsedAt } } }",
                       {"a": to_global_id("Account", partner.id)})
    assert listed["apiTokens"]["totalCount"] == 1 and listed["apiTokens"]["nodes"][0]["lastUsedAt"] is not None
    revoked = (await gql(REVOKE_TOKEN, {"id": made["apiToken"]["id"]}))["revokeApiToken"]
    assert revoked["apiToken"]["active"] is False and revoked["apiToken"]["revokedAt"]
    body = await _client(client, raw).raw(VIEWER)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED" and "吊销" in body["errors"][0]["message"]
    # Expiry.
    soon = (await gql(CREATE_TOKEN, {"input": {"accountId": to_global_id("Account", partner.id), "name": "短期",
                                               "expiresAt": (datetime.now(UTC) + timedelta(hours=1)).isoformat()}}))
    raw2 = soon["createApiToken"]["token"]
    async with sessionmaker.begin() as session:
        t = await session.scalar(select(ApiToken).where(ApiToken.token_hash == hashlib.sha256(raw2.encode()).hexdigest()))
        assert t is not None
        t.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    body = await _client(client, raw2).raw(VIEWER)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED" and "过期" in body["errors"][0]["message"]


async def test_api_token_expiry_without_an_offset_is_shanghai_time(
    gql: GraphQLClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with sessionmaker.begin() as session:
        partner = await make_account(session, role="PARTNER")
    account = to_global_id("Account", partner.id)
    later = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0, tzinfo=None)  # naive, read as +08:00
    made = (await gql(CREATE_TOKEN, {"input": {"accountId": account, "name": "无时区", "expiresAt": later.isoformat()}}))
    assert made["createApiToken"]["userErrors"] == [] and made["createApiToken"]["token"]
    async with sessionmaker() as session:
        stored = await session.scalar(select(ApiToken).where(ApiToken.account_id == partner.id))
        assert stored is not None and stored.expires_at == later.replace(tzinfo=UTC) - timedelta(hours=8)
    # Past, or beyond what UTC can hold: INVALID, never a 500.
    for when in ("2020-01-01T00:00:00", "0001-01-01T00:00:00", "9999-12-31T23:59:59-05:00"):
        bad = (await gql(CREATE_TOKEN, {"input": {"accountId": account, "name": "坏时间", "expiresAt": when}}))
        assert [(e["field"], e["code"]) for e in bad["createApiToken"]["userErrors"]] == [("expiresAt", "INVALID")], when


async def test_deactivated_account_loses_access(
    gql: GraphQLClient, login_as: Any
) -> None:
    user = await login_as("ADMIN")
    q = "mutation S($id: ID!, $a: Boolean!) { setAccountActive(input: {accountId: $id, active: $a}) { account { active } userErrors { code } } }"
    off = await gql(q, {"id": to_global_id("Account", user.account_id), "a": False})
    assert off["setAccountActive"] == {"account": {"active": False}, "userErrors": []}
    assert (await user.raw(AREAS))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_subscription_socket_authenticates_from_connection_init(
    app: Any, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    from httpx_ws import aconnect_ws
    from httpx_ws.transport import ASGIWebSocketTransport

    user = await _user(sessionmaker)
    token, _ = issue_access_token(account_id=user.id, generation=0, secret=settings.secret_key, ttl=timedelta(hours=1))
    async with httpx.AsyncClient(transport=ASGIWebSocketTransport(app=app), base_url="http://test") as http:
        async with aconnect_ws("/graphql", http, subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
            assert (await ws.receive_json())["type"] == "connection_ack"
            await ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": "{ viewer { account { username } } }"}})
            msg = await ws.receive_json()
            assert msg["type"] == "next" and msg["payload"]["data"]["viewer"]["account"]["username"] == user.username
        async with aconnect_ws("/graphql", http, subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send_json({"type": "connection_init", "payload": {}})
            assert (await ws.receive_json())["type"] == "connection_ack"
            await ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": "{ viewer { role } }"}})
            msg = await ws.receive_json()
            errors = msg["payload"] if msg["type"] == "error" else msg["payload"]["errors"]
            assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_audit_log_is_for_admins_only(login_as: Any) -> None:
    for role, links in (("VIEWER", {}), ("POLICY_EDITOR", {}), ("PARTNER", {})):
        c = await login_as(role, **links)
        body = await c.raw(AUDIT, {})
        assert body["data"] == {"auditLog": None}
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_audit_entries_mask_personal_data(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    from domain.audit import service as audit
    from domain.scope import SYSTEM

    async with sessionmaker.begin() as session:
        entry = await audit.record(
            session, actor=SYSTEM, action="member.update", object_type="Member", object_id=1,
            before={"phone": "13812345678", "phone_cipher": "v1:abc", "phone_hash": "f" * 64, "note": "身份证 320102199001011234"},
            after={"password": "Secret-123", "nested": {"mobile": "13912345678"}, "list": ["call 13712345678"]},
        )
    assert entry.before == {"phone": "138****5678", "note": "身份证 3201**********1234"}
    assert entry.after == {"password": "[已隐藏]", "nested": {"mobile": "139****5678"}, "list": ["call 137****5678"]}
    async with sessionmaker() as session:
        stored = await session.get(AuditEntry, entry.id)
        assert stored is not None and "13812345678" not in json.dumps([stored.before, stored.after])


async def test_a_reset_between_checking_and_recording_a_login_keeps_the_old_password_out(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    """A login checks the password outside the write transaction (argon2 is slow); a
    reset committed in between must win: the old password is refused, and its rehash is
    not written over the new hash."""
    from domain.accounts import service as accounts
    from domain.accounts.passwords import hash_password

    name = unique("raced-").lower()
    async with sessionmaker.begin() as s:
        await make_account(s, role="VIEWER", username=name, password="Old-password-1")
    async with sessionmaker() as s:
        check = await accounts.check_password(s, username=name, password="Old-password-1")
    assert check.password_ok
    new_hash = hash_password("New-password-2")
    async with sessionmaker.begin() as s:  # the reset lands between the two steps
        account = await s.scalar(select(Account).where(Account.username == name))
        assert account is not None
        account.password_hash = new_hash
    async with sessionmaker.begin() as s:
        outcome = await accounts.record_login(s, check, settings=settings)
    assert outcome.token is None and outcome.error is not None and outcome.error.code == "INVALID_CREDENTIALS"
    async with sessionmaker() as s:
        assert await s.scalar(select(Account.password_hash).where(Account.username == name)) == new_hash


@pytest.mark.parametrize(("bound", "value"), [("since", "0001-01-01T00:00:00+05:00"), ("until", "9999-12-31T23:59:59-05:00")])
async def test_an_audit_bound_beyond_what_utc_holds_bounds_nothing(gql: GraphQLClient, bound: str, value: str) -> None:
    """It was an internal error (OverflowError converting to UTC; ``gql`` fails on any
    error); now it is clamped and filters nothing out."""
    everything = (await gql(AUDIT, {"filter": {}}))["auditLog"]["totalCount"]
    clamped = (await gql(AUDIT, {"filter": {bound: value}}))["auditLog"]["totalCount"]
    assert clamped == everything
