"""GraphQL hardening through /graphql: depth, alias, cost and size limits, production mode
(introspection, GraphiQL, masked errors), error codes on every error, and a fuzz run."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
    get_named_type,
)
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.relay import to_global_id
from domain.db import make_engine, make_sessionmaker
from domain.settings import Settings
from tests.conftest import Backend, GraphQLClient, make_account, token_for


def _codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors") or []]


def _nested(levels: int, first: int | str = 1) -> str:
    inner = "code"
    for _ in range(levels):
        inner = f"children(first: {first}) {{ nodes {{ {inner} }} }}"
    return f"{{ areas(first: 1) {{ nodes {{ {inner} }} }} }}"


# --- limits ------------------------------------------------------------------------------


async def test_depth_limit(gql: GraphQLClient) -> None:
    assert "errors" not in await gql.raw(_nested(4))  # depth 11
    body = await gql.raw(_nested(6))  # depth 15
    assert _codes(body) == ["QUERY_TOO_DEEP"] and body["data"] is None
    assert "15 层" in body["errors"][0]["message"] and "12" in body["errors"][0]["message"]


async def test_depth_counts_through_fragments(gql: GraphQLClient) -> None:
    q = """
    query { areas(first: 1) { nodes { ...A } } }
    fragment A on Area { children(first: 1) { nodes { ...B } } }
    fragment B on Area { children(first: 1) { nodes { ...C } } }
    fragment C on Area { children(first: 1) { nodes { children(first: 1) { nodes { children(first: 1) { nodes { code } } } } } } }
    """
    assert _codes(await gql.raw(q)) == ["QUERY_TOO_DEEP"]


async def test_alias_limit(gql: GraphQLClient) -> None:
    ok = "{ " + " ".join(f"a{i}: __typename" for i in range(30)) + " }"
    assert "errors" not in await gql.raw(ok)
    body = await gql.raw("{ " + " ".join(f"a{i}: viewer {{ role }}" for i in range(31)) + " }")
    assert _codes(body) == ["TOO_MANY_ALIASES"] and "nodes(ids:)" in body["errors"][0]["message"]


async def test_cost_limit_with_literals_and_variables(gql: GraphQLClient) -> None:
    body = await gql.raw(_nested(2, 100).replace("areas(first: 1)", "areas(first: 100)"))
    assert _codes(body) == ["QUERY_TOO_COMPLEX"]
    ext = body["errors"][0]["extensions"]
    assert ext["cost"] > ext["limit"] == 50_000 and "first/last" in body["errors"][0]["message"]
    q = "query($n: Int) " + _nested(2, "$n").replace("areas(first: 1)", "areas(first: $n)")[1:]
    q = "query($n: Int) { " + _nested(2, "$n").replace("areas(first: 1)", "areas(first: $n)")[2:]
    assert _codes(await gql.raw(q, {"n": 100})) == ["QUERY_TOO_COMPLEX"]
    assert "errors" not in await gql.raw(q, {"n": 5})
    # The same text again: a cost that depends on the variables is never reused.
    assert _codes(await gql.raw(q, {"n": 100})) == ["QUERY_TOO_COMPLEX"]
    # One that does not is, and still refuses (the second answer comes from memory).
    literal = _nested(2, 100).replace("areas(first: 1)", "areas(first: 100)")
    assert _codes(await gql.raw(literal)) == _codes(await gql.raw(literal)) == ["QUERY_TOO_COMPLEX"]
    # Without first/last a connection counts its default page (20): 20 × 20 × 20 × … grows too.
    assert _codes(await gql.raw(_nested(3, 100))) == ["QUERY_TOO_COMPLEX"]


async def test_nodes_count_their_ids(gql: GraphQLClient) -> None:
    ids = [to_global_id("Area", i) for i in range(1, 101)]
    q = "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Area { children(first: 100) { nodes { children(first: 100) { nodes { code } } } } } } }"
    assert _codes(await gql.raw(q, {"ids": ids})) == ["QUERY_TOO_COMPLEX"]
    assert "errors" not in await gql.raw(q, {"ids": ids[:1]})
    # The same text again: a cost read from the variables is never remembered.
    assert _codes(await gql.raw(q, {"ids": ids})) == ["QUERY_TOO_COMPLEX"]


async def test_fragment_bomb_is_cheap_to_reject(gql: GraphQLClient) -> None:
    frags = ["fragment F0 on Query { viewer { role } }"]
    frags += [f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, 30)]
    start = time.perf_counter()
    body = await gql.raw("{ ...F29 } " + " ".join(frags))
    assert time.perf_counter() - start < 2
    assert _codes(body) == ["QUERY_TOO_COMPLEX"]


async def test_token_limit(gql: GraphQLClient) -> None:
    body = await gql.raw("{ " + "__typename " * 6000 + "}")
    assert _codes(body) == ["QUERY_TOO_LARGE"]


async def test_request_body_limit(client: httpx.AsyncClient, admin_token: str) -> None:
    big = json.dumps({"query": "{ __typename }", "variables": {"pad": "x" * 2_000_000}})
    headers = {"Authorization": f"Bearer {admin_token}", "content-type": "application/json"}
    r = await client.post("/graphql", content=big, headers=headers)
    assert r.status_code == 413 and r.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"

    async def chunks() -> Any:  # no Content-Length: counted while streaming
        for _ in range(40):
            yield b" " * 50_000

    r = await client.post("/graphql", content=chunks(), headers=headers)
    assert r.status_code == 413
    small = await client.post("/graphql", content=json.dumps({"query": "{ __typename }"}), headers=headers)
    assert small.status_code == 200 and small.json() == {"data": {"__typename": "Query"}}


async def test_every_error_has_a_code(gql: GraphQLClient) -> None:
    cases = {
        "{ nope }": "GRAPHQL_VALIDATION_FAILED",
        "{ areas(first: ": "GRAPHQL_PARSE_FAILED",
        "query($n: Int) { areas(first: $n) { totalCount } }": "BAD_USER_INPUT",
        "{ areas(first: 1000) { totalCount } }": "INVALID",
    }
    for query, code in cases.items():
        body = await gql.raw(query, {"n": "many"} if "$n" in query else None)
        assert _codes(body) == [code], (query, body)


# --- control characters in string input -----------------------------------------------------


def _invalid_at(body: dict[str, Any], path: str) -> None:
    assert body["data"] is None, body
    assert _codes(body) == ["INVALID"], body
    assert body["errors"][0]["extensions"]["field"] == path
    assert path in body["errors"][0]["message"] and "\x00" not in body["errors"][0]["message"]


async def test_nul_in_any_string_input_is_invalid_never_a_500(
    gql: GraphQLClient, anon: GraphQLClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    # PostgreSQL cannot store NUL (asyncpg: invalid byte sequence): refused at the edge,
    # naming the variable or the argument, on every backend alike.
    from domain.enums import AreaKind
    from tests.factories import make_area

    async with sessionmaker.begin() as session:
        district = await make_area(session, kind=AreaKind.DISTRICT)
        park = await make_area(session, kind=AreaKind.PARK, parent=district)
        grid = await make_area(session, kind=AreaKind.SMALL_GRID, parent=park)
    report = "mutation($i: ReportIncidentInput!) { reportIncident(input: $i) { incident { id } userErrors { code } } }"
    report_input = {"title": "a\u0000b", "category": "OTHER", "gridId": to_global_id("Area", grid.id)}
    _invalid_at(await gql.raw(report, {"i": report_input}), "$i.title")
    login = 'mutation { login(input: {username: "adm\\u0000in", password: "x"}) { token userErrors { code } } }'
    _invalid_at(await anon.raw(login), "login.input.username")
    _invalid_at(await gql.raw('{ found: areas(filter: {search: "a\\u0000"}) { totalCount } }'), "found.filter.search")
    search = "query($s: String) { areas(filter: {search: $s}) { totalCount } }"
    _invalid_at(await gql.raw(search, {"s": "x\u0000"}), "$s")
    # Other C0 controls and lone surrogates too; deep inside lists and input objects.
    _invalid_at(await gql.raw(search, {"s": "bell\u0007"}), "$s")
    lone_surrogate = json.dumps({"query": search, "variables": {"s": "\ud800"}})  # ASCII: "\\ud800"
    r = await gql.http.post("/graphql", content=lone_surrogate, headers={
        "Authorization": f"Bearer {gql.token}", "content-type": "application/json"})
    _invalid_at(r.json(), "$s")
    nodes = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    _invalid_at(await gql.raw(nodes, {"ids": ["QXJlYTox", "x\u001f"]}), "$ids[1]")
    # Written raw (no escape) into a block string of the document; in a comment it is no input.
    _invalid_at(await gql.raw('{ found: areas(filter: {search: """a\u0007"""}) { totalCount } }'), "found.filter.search")
    assert "errors" not in await gql.raw('{ areas(filter: {search: "a"}) { totalCount } } # \u0007')
    # Tab, line feed and carriage return are text.
    assert "errors" not in await gql.raw(search, {"s": "多行\t文本\r\n"})


async def test_ids_that_are_not_ours_are_unknown_not_errors(gql: GraphQLClient) -> None:
    import base64

    def b(raw: str) -> str:
        return base64.b64encode(raw.encode()).decode()

    not_ours = [b("Area:9223372036854775808"), b("Area:99999999999999999999999"), b("Area:０１"),
                b("Area:١٢"), b("Area:0"), b("Area:-1"), b("Area: 1"), b("Area:1_0"), "Area:1", "!!!", ""]
    q = "query($id: ID!) { node(id: $id) { id } area(id: $id) { id } }"
    for gid in not_ours:
        assert await gql(q, {"id": gid}) == {"node": None, "area": None}, gid
    assert (await gql("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": not_ours}))["nodes"] == [None] * len(not_ours)
    update = "mutation($id: ID!) { updateArea(input: {id: $id, brand: \"x\"}) { area { id } userErrors { field code } } }"
    for gid in not_ours[:4]:
        payload = (await gql(update, {"id": gid}))["updateArea"]
        assert payload == {"area": None, "userErrors": [{"field": "id", "code": "NOT_FOUND"}]}, gid
    members = "query($a: ID) { members(filter: {areaId: $a}, first: 1) { totalCount } }"
    assert _codes(await gql.raw(members, {"a": not_ours[0]})) == ["INVALID"]  # a filter says "not an area id"
    # The largest key there can be is still a key (that no row has).
    assert await gql(q, {"id": b("Area:9223372036854775807")}) == {"node": None, "area": None}


async def test_validation_cache_still_hits(gql: GraphQLClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the hardening's validation rules added per request, the same text is still
    validated once (``api.execution.ValidationCacheByText``)."""
    import uuid

    from api import execution

    validated: list[str] = []
    real = execution.validate_document

    def counting(schema: Any, document: Any, rules: Any) -> Any:
        validated.append(document.definitions[0].name.value)
        return real(schema, document, rules)

    monkeypatch.setattr(execution, "validate_document", counting)
    name = f"CacheProbe{uuid.uuid4().hex}"  # a text no earlier test sent
    q = f"query {name} {{ viewer {{ role }} areas(first: 3) {{ totalCount }} }}"
    for _ in range(21):
        await gql(q)
    assert validated == [name]
    await gql(q.replace("first: 3", "first: 4"))  # another text: validated on its own
    assert validated == [name, name]


# --- production mode ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def prod_settings(backend: Backend) -> Settings:
    return Settings(
        database_url=backend.url, mode="production",
        secret_key="prod-secret-for-tests-0123456789abcdef", data_key="prod-data-key-0123456789abcdef",
    )


@pytest.fixture
async def prod(prod_settings: Settings, engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]) -> Any:
    from api.app import create_app

    app = create_app(prod_settings, engine=engine)
    async with sessionmaker.begin() as session:
        admin = await make_account(session, role="ADMIN")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://prod") as http:
        yield GraphQLClient(http, token_for(admin, prod_settings))


async def test_production_turns_introspection_and_graphiql_off(prod: GraphQLClient, client: httpx.AsyncClient) -> None:
    body = await prod.raw("{ __schema { types { name } } }")
    assert set(_codes(body)) == {"GRAPHQL_VALIDATION_FAILED"} and "introspection" in body["errors"][0]["message"]
    assert set(_codes(await prod.raw('{ __type(name: "Area") { name } }'))) == {"GRAPHQL_VALIDATION_FAILED"}
    assert (await prod("{ __typename }")) == {"__typename": "Query"}
    page = await prod.http.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code != 200 or "graphiql" not in page.text.lower()
    dev_page = await client.get("/graphql", headers={"accept": "text/html"})
    assert dev_page.status_code == 200 and "graphiql" in dev_page.text.lower()


def _explode(*_: Any, **__: Any) -> Any:
    raise RuntimeError("db password=hunter2; caller 13812345678, id 320102199001011234")


async def test_production_masks_only_unexpected_errors(
    prod: GraphQLClient, gql: GraphQLClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from api.accounts.types import Account

    # Expected errors keep their code and message.
    assert _codes(await prod.raw("{ nope }")) == ["GRAPHQL_VALIDATION_FAILED"]
    assert _codes(await prod.raw("{ areas(first: 1000) { totalCount } }")) == ["INVALID"]
    monkeypatch.setattr(Account, "from_model", classmethod(_explode))
    caplog.set_level(logging.DEBUG)
    masked = await prod.raw("{ viewer { role } }")
    assert masked["errors"][0]["message"] == "服务器内部错误，请稍后重试"
    assert _codes(masked) == ["INTERNAL_SERVER_ERROR"]
    assert "hunter2" not in json.dumps(masked)
    # Development shows the message — with personal data scrubbed — and the same code.
    dev = await gql.raw("{ viewer { role } }")
    assert _codes(dev) == ["INTERNAL_SERVER_ERROR"] and "hunter2" in dev["errors"][0]["message"]
    assert "138****5678" in dev["errors"][0]["message"] and "13812345678" not in json.dumps(dev)
    # The logs have the error (it is unexpected) but no phone or resident ID.
    assert "unexpected error" in caplog.text
    assert "13812345678" not in caplog.text and "320102199001011234" not in caplog.text
    assert "3201**********1234" in caplog.text


def test_log_records_are_scrubbed() -> None:
    from api.hardening import install_log_scrubbing

    install_log_scrubbing()
    logger = logging.getLogger("gridgov.test")
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep()
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        logger.info("call %s about %s", "13812345678", {"id": "320102199001011234"})
        logger.info('%s - "%s %s HTTP/%s" %d', "1.2.3.4", "GET", "/graphql?p=13912345678", "1.1", 200)
        try:
            raise ValueError("bad 13712345678")
        except ValueError:
            logger.exception("failed for 13612345678")
    finally:
        logger.removeHandler(handler)
    text = "\n".join(logging.Formatter().format(r) for r in records)
    for raw in ("13812345678", "320102199001011234", "13912345678", "13712345678", "13612345678"):
        assert raw not in text
    assert "138****5678" in text and "3201**********1234" in text
    # Positional arguments survive for formatters that read them (uvicorn's access log).
    assert records[1].args and records[1].args[4] == 200


# --- fuzz -------------------------------------------------------------------------------------

MAX_DEPTH = 3


def _literal(t: Any, draw: Any, depth: int = 0) -> str:
    if isinstance(t, GraphQLNonNull):
        return _literal(t.of_type, draw, depth)
    if isinstance(t, GraphQLList):
        n = draw(st.integers(0, 3))
        return "[" + ", ".join(_literal(t.of_type, draw, depth + 1) for _ in range(n)) + "]"
    if draw(st.integers(0, 19)) == 0:  # now and then a value of the wrong type
        return draw(st.sampled_from(['"x"', "1", "true", "null", "[]", "{}", "-2147483649"]))
    if isinstance(t, GraphQLEnumType):
        return draw(st.sampled_from(list(t.values)))
    if isinstance(t, GraphQLInputObjectType):
        if depth > 2:
            return "{}"
        fields = draw(st.lists(st.sampled_from(sorted(t.fields)), unique=True, max_size=4)) if t.fields else []
        return "{" + ", ".join(f"{f}: {_literal(t.fields[f].type, draw, depth + 1)}" for f in fields) + "}"
    assert isinstance(t, GraphQLScalarType)
    name = t.name
    if name == "Int":
        return str(draw(st.one_of(st.integers(-5, 120), st.integers(-(2**31), 2**31 - 1))))
    if name == "Float":
        return repr(draw(st.floats(allow_nan=False, allow_infinity=False, width=32)))
    if name == "Boolean":
        return draw(st.sampled_from(["true", "false"]))
    if name == "ID":
        gid = draw(st.one_of(
            st.builds(to_global_id, st.sampled_from(["Area", "Member", "Account", "AuditEntry", "Nope"]), st.integers(0, 50)),
            st.builds(to_global_id, st.sampled_from(["Area", "Member", "Incident"]), st.integers(2**62, 2**70)),
            st.text(max_size=12),
        ))
        return json.dumps(gid)
    if name == "DateTime":
        return json.dumps(draw(st.sampled_from(["2026-01-01T00:00:00+00:00", "2026-01-01", "yesterday", ""])))
    if name == "Date":
        return json.dumps(draw(st.sampled_from(["2026-01-01", "2026-13-40", ""])))
    if name == "JSON":
        return draw(st.sampled_from(["null", "1", '"s"', "{a: 1}", "[1, 2]"]))
    return json.dumps(draw(st.text(max_size=16)))


def _args(field: Any, draw: Any) -> str:
    chosen = []
    for name, arg in field.args.items():
        required = isinstance(arg.type, GraphQLNonNull)
        if required or draw(st.booleans()):
            chosen.append(f"{name}: {_literal(arg.type, draw)}")
    return f"({', '.join(chosen)})" if chosen else ""


def _selection(t: Any, draw: Any, depth: int) -> str:
    named = get_named_type(t)
    if isinstance(named, GraphQLUnionType) or depth >= MAX_DEPTH:
        return "__typename"
    assert isinstance(named, (GraphQLObjectType, GraphQLInterfaceType))
    names = sorted(n for n in named.fields if not n.startswith("__"))
    picked = draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
    parts = ["__typename"]
    for name in picked:
        f = named.fields[name]
        sub = get_named_type(f.type)
        if isinstance(sub, (GraphQLObjectType, GraphQLInterfaceType, GraphQLUnionType)):
            parts.append(f"{name}{_args(f, draw)} {{ {_selection(f.type, draw, depth + 1)} }}")
        else:
            parts.append(f"{name}{_args(f, draw)}")
    return " ".join(parts)


@st.composite
def operations(draw: Any, schema: Any) -> str:
    if draw(st.integers(0, 9)) == 0:  # the one mutation open to all, with random input
        login = schema.mutation_type.fields["login"]
        return f"mutation {{ login{_args(login, draw)} {{ token userErrors {{ code message }} }} }}"
    return "{ " + _selection(schema.query_type, draw, 0) + " }"


@pytest.fixture(scope="module")
def fuzz_loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def test_fuzzed_queries_never_500_and_every_error_is_coded(backend: Backend, fuzz_loop: asyncio.AbstractEventLoop) -> None:
    """~100 random operations built from the schema's own fields and arguments, random
    values (valid, out of range and of the wrong type) as an ADMIN, who reaches the most."""
    from api.app import create_app
    from api.schema import schema

    gql_schema = schema._schema
    settings = Settings(database_url=backend.url, mode="development")
    run = fuzz_loop.run_until_complete
    engine = make_engine(backend.url)

    async def setup() -> tuple[httpx.AsyncClient, str]:
        async with make_sessionmaker(engine).begin() as session:
            admin = await make_account(session, role="ADMIN")
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(settings, engine=engine)), base_url="http://fuzz")
        return http, token_for(admin, settings)

    http, token = run(setup())
    seen_errors: list[str] = []
    unexpected: list[tuple[str, Any]] = []

    @hsettings(max_examples=100, deadline=None, database=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(operations(gql_schema))
    def check(query: str) -> None:
        r = run(http.post("/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}))
        assert r.status_code != 500, (query, r.text)
        assert r.status_code in (200, 400), (query, r.status_code, r.text)
        body = r.json()
        for e in body.get("errors") or []:
            assert isinstance(e.get("message"), str) and e["message"], (query, e)
            assert isinstance((e.get("extensions") or {}).get("code"), str), (query, e)
            seen_errors.append(e["extensions"]["code"])
            if e["extensions"]["code"] == "INTERNAL_SERVER_ERROR":
                unexpected.append((query, e))

    try:
        check()
    finally:
        run(http.aclose())
        run(engine.dispose())
    assert "INTERNAL_SERVER_ERROR" not in seen_errors, [(e["message"], q[:300]) for q, e in unexpected[:3]]
