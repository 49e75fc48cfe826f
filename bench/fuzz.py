"""Fuzzing the whole service over HTTP: does any input reach a 500?

    python bench/fuzz.py [--requests 12000] [--clients 4] [--max-seconds 900] [--seed 15]

Not a test. Starts a throw-away embedded PostgreSQL with the tests' archive graph plus
3,000 random targets (the size of the demo's synthetic population), serves it on a loopback
port (uvicorn) and sends `--requests` malformed or hostile requests from `--clients`
threads, each with its own kept-alive connection, drawn from these kinds:

* mutated ADQL (tokens deleted, duplicated, swapped or replaced; random characters; a
  trailing ``;`` or two), GET and POST;
* nesting bombs (parentheses, NOT, function calls, subqueries, chains of + / OR / AND /
  UNION / JOIN; 1 to 10,000 deep) and select lists around PostgreSQL's 1,664 columns;
* junk parameters (LANG, MAXREC, RESPONSEFORMAT, REQUEST, VERSION, unknown names, NUL);
* bad UPLOAD values and parts, form fields over the limits, more than 1,000 fields, file
  parts over LCDB_UPLOAD_LIMIT, broken multipart bodies, odd content types, bad
  percent-encodings and invalid UTF-8, queries over LCDB_QUERY_LIMIT;
* the async endpoints: job creation with all of the above (some with PHASE=RUN), phase and
  parameter posts, job resources with bad ids, DELETE; and VOSI, DataLink with junk.

It prints the requests, the responses by status class and by kind, the number of 5xx
(target: 0) with examples, error documents of the wrong shape (a 400 that is not a DALI
VOTable, a UWS 403/404 that is not text/plain), dropped connections, async jobs whose error
says "this is a bug", and the elapsed time. As the reference measured in the same run, it
times valid `SELECT TOP 1` requests and prints the fuzz rate as a ratio of that rate.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import logging
import random
import re
import threading
import time
import urllib.parse
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import psycopg
from served import served_archive

from tap_service.settings import Settings
from tap_service.uws.routes import RESOURCES

#: Every resource of a job, as the service routes them, and one it does not have.
JOB_CHILDREN = [
    r.path.removeprefix("/{job_id}") for r in RESOURCES if r.path.startswith("/{job_id}")
] + ["/nope"]

UPLOAD_LIMIT = 2_000_000
SEEDS = [
    "SELECT TOP 10 name, ra, dec, magnitude FROM lcdb.target ORDER BY magnitude",
    "SELECT COUNT(*) AS n FROM lcdb.dataset",
    "SELECT t.name, d.id FROM lcdb.target AS t JOIN lcdb.dataset AS d ON d.target_id = t.id",
    "SELECT TOP 5 * FROM ivoa.obscore WHERE dataproduct_type = 'timeseries'",
    "SELECT name FROM lcdb.target WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), "
    "CIRCLE('ICRS', 10, -20, 5))",
    "SELECT TOP 3 table_name, column_name FROM TAP_SCHEMA.columns WHERE table_name LIKE 'lcdb%'",
    "SELECT AVG(ra) AS a, MAX(dec) FROM lcdb.target GROUP BY catalog_id HAVING COUNT(*) > 1",
    "SELECT name FROM lcdb.target WHERE id IN (SELECT target_id FROM lcdb.dataset) "
    "UNION SELECT name FROM lcdb.target WHERE ra < 10",
    "SELECT TOP 2 u.x FROM TAP_UPLOAD.t AS u",
    'SELECT TOP 1 d."values" FROM lcdb.dataset AS d',
]
VOCABULARY = [
    "SELECT",
    "FROM",
    "WHERE",
    "AND",
    "OR",
    "NOT",
    "(",
    ")",
    ",",
    ".",
    "*",
    "+",
    "-",
    "/",
    "||",
    "=",
    "<",
    ">=",
    "<>",
    "AS",
    "JOIN",
    "ON",
    "USING",
    "UNION",
    "ALL",
    "DISTINCT",
    "TOP",
    "ORDER",
    "BY",
    "GROUP",
    "HAVING",
    "IN",
    "BETWEEN",
    "LIKE",
    "IS",
    "NULL",
    "EXISTS",
    "CAST",
    "OFFSET",
    "WITH",
    ";",
    "POINT",
    "CIRCLE",
    "CONTAINS",
    "DISTANCE",
    "'x'",
    '"values"',
    "1e999",
    "0x",
    "9223372036854775808",
    "CASE",
    "LIMIT",
]
_TOKEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|[A-Za-z_][A-Za-z0-9_]*|\d+|\S")
JUNK = ["", " ", "\x00", "é", "\ud7ff", "%", "-1", "1e9", "99999999999999999999", "null", "<x>"]
VOTABLE = (
    b'<?xml version="1.0"?><VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3">'
    b'<RESOURCE><TABLE><FIELD name="x" datatype="int"/><DATA><TABLEDATA><TR><TD>1</TD></TR>'
    b"</TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>"
)


@dataclass
class Request:
    kind: str
    method: str
    path: str
    body: bytes = b""
    content_type: str | None = None


# -- what is sent ------------------------------------------------------------------------------


def mutated(rng: random.Random) -> str:
    toks = _TOKEN.findall(rng.choice(SEEDS))
    for _ in range(rng.randint(0, 4)):  # 0: the seed itself, which must work
        i = rng.randrange(len(toks)) if toks else 0
        action = rng.choice(["delete", "duplicate", "swap", "replace", "insert"])
        if action == "delete" and len(toks) > 1:
            del toks[i]
        elif action == "duplicate" and toks:
            toks.insert(i, toks[i])
        elif action == "swap" and toks:
            j = rng.randrange(len(toks))
            toks[i], toks[j] = toks[j], toks[i]
        elif action == "replace" and toks:
            toks[i] = rng.choice(VOCABULARY)
        else:
            toks.insert(i, rng.choice(VOCABULARY))
    text = " ".join(toks)
    if rng.random() < 0.3:
        pos = rng.randrange(len(text) + 1)
        text = (
            text[:pos] + chr(rng.choice([0, 7, 0xE9, 0x3BB, 0xD7FF, 0xFFFD, 0x1F600])) + text[pos:]
        )
    return text + rng.choice(["", "", ";", ";;", "; -- pasted", "\n;\n"])


def bomb(rng: random.Random) -> str:
    n = rng.choice([16, 17, 40, 41, 100, 101, 500, 1000, 5000, 10000])
    w = "SELECT TOP 1 name FROM lcdb.target WHERE "
    kind = rng.choice(
        ["parens", "nots", "plus", "or", "and", "union", "abs", "in", "scalar", "join", "exists"]
    )
    if kind == "parens":
        return w + "(" * n + "ra > 0" + ")" * n
    if kind == "nots":
        return w + "NOT " * n + "ra > 0"
    if kind == "plus":
        return "SELECT TOP 1 " + "+".join(["ra"] * n) + " FROM lcdb.target"
    if kind == "or":
        return w + " OR ".join(f"name={i}" for i in range(min(n, 6000)))
    if kind == "and":
        return w + " AND ".join(f"id<>{i}" for i in range(min(n, 6000)))
    if kind == "union":
        return " UNION ".join(["SELECT name FROM lcdb.target"] * min(n, 2000))
    if kind == "abs":
        return "SELECT TOP 1 " + "ABS(" * n + "ra" + ")" * n + " FROM lcdb.target"
    if kind == "in":
        m = min(n, 1500)
        return w + "id IN (SELECT id FROM lcdb.target WHERE " * m + "ra > 0" + ")" * m
    if kind == "scalar":
        m = min(n, 1500)
        return "SELECT TOP 1 " + "(SELECT MAX(" * m + "ra" + ") FROM lcdb.target)" * m
    if kind == "exists":
        m = min(n, 1500)
        return w + "EXISTS (SELECT id FROM lcdb.target WHERE " * m + "ra > 0" + ")" * m
    return "SELECT TOP 1 a.name FROM lcdb.target AS a " + " ".join(
        f"JOIN lcdb.target AS b{i} ON b{i}.id = a.id" for i in range(min(n, 300))
    )


def wide(rng: random.Random) -> str:
    n = rng.choice([1663, 1664, 1665, 5000])
    if rng.random() < 0.5:
        return "SELECT TOP 1 " + ", ".join(["ra"] * n) + " FROM lcdb.target"
    tables = rng.choice([30, 60, 100, 150])
    return "SELECT TOP 1 * FROM " + ", ".join(f"TAP_SCHEMA.columns AS c{i}" for i in range(tables))


def junk_params(rng: random.Random) -> dict[str, str]:
    params = {"LANG": rng.choice(["ADQL", "ADQL-2.0", "adql", "SQL", "", "ADQL-9", "\x00"])}
    for name in rng.sample(
        ["MAXREC", "RESPONSEFORMAT", "FORMAT", "REQUEST", "VERSION", "RUNID", "UPLOAD", "JUNK"],
        rng.randint(0, 3),
    ):
        params[name] = rng.choice(
            [*JUNK, "votable", "csv", "tsv", "text/xml", "doQuery", "getCapabilities", "1.1"]
        )
    return params


def upload_value(rng: random.Random) -> str:
    return rng.choice(
        [
            "t,param:t",
            "t,param:missing",
            "bad name,param:t",
            "t,http://127.0.0.1:1/x.xml",
            "t,file:///etc/passwd",
            "t,ftp://x/y",
            "t",
            ",",
            "t,param:t;u,param:t",
            "t,param:t;t,param:t",
            "1t,param:t",
            "t," + "x" * 3000,
        ]
    )


def multipart(fields: dict[str, str], files: dict[str, bytes]) -> tuple[bytes, str]:
    boundary = "fuzzboundary7MA4YWxk"
    out = []
    for name, value in fields.items():
        out.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode("utf-8", "surrogatepass")
            + b"\r\n"
        )
    for name, data in files.items():
        out.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="t.xml"\r\n'
            f"Content-Type: application/x-votable+xml\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


def encode(params: dict[str, str]) -> str:
    return urllib.parse.urlencode(params, encoding="utf-8", errors="surrogatepass")


def sync_request(rng: random.Random, kind: str, query: str) -> Request:
    params = junk_params(rng) if rng.random() < 0.3 else {"LANG": "ADQL"}
    params["QUERY"] = query
    if rng.random() < 0.15:
        params["UPLOAD"] = upload_value(rng)
    how = rng.choice(["get", "form", "multipart"])
    if how == "get" and len(query) < 6000:
        return Request(kind, "GET", "/tap/sync?" + encode(params))
    if how == "multipart" or "UPLOAD" in params:
        part = rng.choice([VOTABLE, b"<VOTABLE/>", b"\xff\xfe junk", VOTABLE * 2, b""])
        body, content_type = multipart(params, {"t": part})
        return Request(kind, "POST", "/tap/sync", body, content_type)
    return Request(
        kind, "POST", "/tap/sync", encode(params).encode(), "application/x-www-form-urlencoded"
    )


def oversized(rng: random.Random) -> Request:
    choice = rng.randrange(7)
    query = {"LANG": "ADQL", "QUERY": "SELECT TOP 1 name FROM lcdb.target"}
    if choice == 0:  # a text field over the per-field limit
        body, ct = multipart({**query, "RUNID": "x" * 1_100_000}, {})
    elif choice == 1:  # a file part over the upload limit
        body, ct = multipart({**query, "UPLOAD": "t,param:t"}, {"t": b" " * (UPLOAD_LIMIT + 10)})
    elif choice == 2:  # a file part beyond Starlette's 1 MB default, within the limit: works
        body, ct = multipart({**query, "UPLOAD": "t,param:t"}, {"t": VOTABLE + b" " * 1_200_000})
    elif choice == 3:  # more than 1,000 fields
        body = "&".join(f"f{i}=1" for i in range(1200)).encode()
        ct = "application/x-www-form-urlencoded"
    elif choice == 4:  # a query over LCDB_QUERY_LIMIT
        body = encode({**query, "QUERY": query["QUERY"] + " " * 100_001}).encode()
        ct = "application/x-www-form-urlencoded"
    elif choice == 5:  # urlencoded field over the limit
        body = encode({**query, "JUNK": "y" * 1_100_000}).encode()
        ct = "application/x-www-form-urlencoded"
    else:  # several fields that together are too much
        body = encode({**query, **{f"F{i}": "z" * 1_000_000 for i in range(5)}}).encode()
        ct = "application/x-www-form-urlencoded"
    path = rng.choice(["/tap/sync", "/tap/async", "/tap/datalink"])
    return Request("oversized", "POST", path, body, ct)


def broken_body(rng: random.Random) -> Request:
    body = rng.choice(
        [
            b"--x\r\n",
            b"--x\r\nContent-Disposition: form-data\r\n\r\n1\r\n--x--\r\n",
            b"--x\r\nContent-Disposition: form-data; name=QUERY\r\n\r\nSELECT 1",
            bytes(rng.randrange(256) for _ in range(rng.randint(0, 300))),
            b"LANG=ADQL&QUERY=SELECT+%ff%fe+FROM+x",
            b"LANG=ADQL&QUERY=%E9%80%80%ED%A0%80",
            b"LANG=ADQL&QUERY=" + "SELECT TOP 1 name FROM lcdb.target".encode("utf-16"),
            b"%%%%&&&==",
        ]
    )
    content_type = rng.choice(
        [
            "multipart/form-data",
            "multipart/form-data; boundary=x",
            "multipart/form-data; boundary=",
            "multipart/form-data; boundary=x; charset=klingon",
            "application/x-www-form-urlencoded",
            "application/x-www-form-urlencoded; charset=utf-16",
            "text/plain",
            "application/json",
            "",
        ]
    )
    path = rng.choice(["/tap/sync", "/tap/async", "/tap/datalink", "/tap/async/nojob/phase"])
    return Request("broken body", "POST", path, body, content_type or None)


def bad_url(rng: random.Random) -> Request:
    path = rng.choice(
        [
            "/tap/sync?LANG=ADQL&QUERY=SELECT%20%ff%20FROM%20x",
            "/tap/sync?LANG=ADQL&QUERY=%00",
            "/tap/sync?%ff=1&LANG=ADQL&QUERY=SELECT+1",
            "/tap/sync?LANG=ADQL&LANG=SQL&QUERY=SELECT+1",
            "/tap/sync?" + "&".join(f"p{i}=1" for i in range(500)),
            "/tap/tables/" + urllib.parse.quote(rng.choice([*JUNK, "lcdb.nope", "..", "%00"])),
            "/tap/tables?detail=" + rng.choice(["min", "max", "%ff", "x" * 100]),
            "/tap/capabilities?x=%00",
            "/tap/availability?%ff",
            "/tap/examples?q=1",
            "/tap/datalink?ID=" + urllib.parse.quote(rng.choice([*JUNK, "ivo://x/y?z"])),
            "/tap/datalink?ID=ivo%3A%2F%2Flcdb-tap.invalid%2Ftess%3F" + "9" * 50,
            "/tap/datalink?RESPONSEFORMAT=" + urllib.parse.quote(rng.choice(JUNK)) + "&ID=x",
            "/tap/datalink/lightcurve?ID=x&TIME=" + urllib.parse.quote(rng.choice(JUNK)),
            "/tap/datalink/dataset?ID=" + rng.choice(["1", "-1", "x", "9" * 40]),
        ]
    )
    return Request("bad url", "GET", path)


def async_request(rng: random.Random, job_ids: list[str]) -> Request:
    choice = rng.random()
    if choice < 0.45 or not job_ids:
        query = rng.choice([mutated, bomb, wide])(rng)
        params = junk_params(rng) if rng.random() < 0.3 else {"LANG": "ADQL"}
        params["QUERY"] = query
        if rng.random() < 0.3:
            params["PHASE"] = rng.choice(["RUN", "run", "ABORT", "HELD", "\x00"])
        for name in rng.sample(["EXECUTIONDURATION", "DESTRUCTION", "RUNID"], rng.randint(0, 2)):
            params[name] = rng.choice([*JUNK, "10", "0", "2030-01-01T00:00:00Z", "1-1-1"])
        if rng.random() < 0.2:
            params["UPLOAD"] = upload_value(rng)
            body, ct = multipart(params, {"t": rng.choice([VOTABLE, b"junk"])})
            return Request("async create", "POST", "/tap/async", body, ct)
        return Request(
            "async create",
            "POST",
            "/tap/async",
            encode(params).encode(),
            "application/x-www-form-urlencoded",
        )
    job = (
        rng.choice(job_ids)
        if rng.random() < 0.7
        else urllib.parse.quote(rng.choice([*JUNK, "0", "9" * 40, "a" * 300, "../x"]), safe="")
    )
    child = rng.choice(JOB_CHILDREN)
    method = rng.choice(["GET", "GET", "POST", "DELETE"])
    if method == "POST":
        name = rng.choice(["PHASE", "RUNID", "EXECUTIONDURATION", "DESTRUCTION", "QUERY"])
        value = rng.choice([*JUNK, "RUN", "ABORT", "5", "2030-01-01T00:00:00Z", bomb(rng)])
        return Request(
            "async job",
            "POST",
            f"/tap/async/{job}{child}",
            encode({name: value}).encode(),
            "application/x-www-form-urlencoded",
        )
    if method == "GET" and rng.random() < 0.3:
        params = {rng.choice(["WAIT", "PHASE", "LAST", "AFTER"]): rng.choice([*JUNK, "1", "-1"])}
        return Request(
            "async job", "GET", f"/tap/async{'/' + job if job else ''}?" + encode(params)
        )
    return Request("async job", method, f"/tap/async/{job}{child}")


def draw(rng: random.Random, job_ids: list[str]) -> Request:
    roll = rng.random()
    if roll < 0.30:
        return sync_request(rng, "mutated adql", mutated(rng))
    if roll < 0.42:
        return sync_request(rng, "nesting bomb", bomb(rng))
    if roll < 0.47:
        return sync_request(rng, "wide select", wide(rng))
    if roll < 0.52:
        return oversized(rng)
    if roll < 0.60:
        return broken_body(rng)
    if roll < 0.70:
        return bad_url(rng)
    return async_request(rng, job_ids)


# -- sending and judging -----------------------------------------------------------------------


@dataclass
class Tally:
    lock: threading.Lock
    by_class: collections.Counter[str]
    by_kind: collections.Counter[tuple[str, str]]
    failures: list[tuple[str, int, str]]
    misshapen: list[tuple[str, int, str]]
    dropped: collections.Counter[str]
    job_ids: list[str]


def judge(
    tally: Tally, request: Request, status: int, headers: dict[str, str], body: bytes
) -> None:
    content_type = headers.get("content-type", "")
    # DALI error documents for sync queries and DataLink; UWS and VOSI resources answer
    # 403/404 in text/plain (UWS 1.1 section 2.2), as tap_service.app does
    dali = request.path.startswith(("/tap/sync", "/tap/datalink"))
    shape_ok = True
    if status >= 400 and status < 500:
        if not dali and status in (403, 404, 405):
            shape_ok = content_type.startswith("text/plain") or status == 405
        else:
            shape_ok = content_type.startswith("application/x-votable+xml") and (
                b'name="QUERY_STATUS" value="ERROR"' in body
            )
    summary = f"{request.method} {request.path[:120]} ({len(request.body):,} bytes body)"
    with tally.lock:
        tally.by_class[f"{status // 100}xx"] += 1
        tally.by_kind[(request.kind, f"{status // 100}xx")] += 1
        if status >= 500:
            tally.failures.append((summary, status, body[:300].decode("utf-8", "replace")))
        elif not shape_ok:
            tally.misshapen.append((summary, status, content_type))
        if status == 303 and request.path == "/tap/async":
            location = headers.get("location", "")
            tally.job_ids.append(location.rsplit("/", 1)[-1])


def client(port: int, requests: list[Callable[[], Request]], tally: Tally, deadline: float) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    for make in requests:
        if time.monotonic() > deadline:
            break
        request = make()
        headers = {"Content-Type": request.content_type} if request.content_type else {}
        for attempt in (1, 2):
            try:
                conn.request(
                    request.method, request.path, body=request.body or None, headers=headers
                )
                response = conn.getresponse()
                body = response.read()
            except UnicodeEncodeError:  # a request line http.client cannot even send
                with tally.lock:
                    tally.dropped["unsendable (client side)"] += 1
                break
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                if attempt == 1:
                    # the server may close a kept-alive connection after answering a request
                    # before reading its whole body (an oversized one): retried once, as HTTP
                    # clients do, and counted
                    with tally.lock:
                        tally.dropped["retried on a new connection"] += 1
                    continue
                with tally.lock:
                    tally.dropped[f"{request.kind}: {type(exc).__name__}"] += 1
                break
            headers_seen = {k.lower(): v for k, v in response.getheaders()}
            judge(tally, request, response.status, headers_seen, body)
            if headers_seen.get("connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            break
    conn.close()


def reference(port: int, count: int) -> float:
    """Valid `SELECT TOP 1` requests per second over one kept-alive connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    path = "/tap/sync?" + encode({"LANG": "ADQL", "QUERY": "SELECT TOP 1 name FROM lcdb.target"})
    started = time.perf_counter()
    for _ in range(count):
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        assert response.status == 200
    conn.close()
    return count / (time.perf_counter() - started)


def fill(url: str) -> None:
    """3,000 random targets, the size of the demo's synthetic population."""
    with psycopg.connect(
        url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    ) as conn:
        (catalog,) = conn.execute("SELECT id FROM lcdb.mission_catalog LIMIT 1").fetchone()  # type: ignore[misc]
        conn.execute("SELECT setseed(0.15)")
        conn.execute(
            "INSERT INTO lcdb.target (catalog_id, name, ra, dec, magnitude) "
            "SELECT %s, 2000000000 + i, 360 * random(), degrees(asin(2 * random() - 1)), "
            "6 + 10 * random() FROM generate_series(1, 3000) AS i",
            (catalog,),
        )
        conn.execute("ANALYZE lcdb.target")


def job_errors(port: int, job_ids: list[str]) -> tuple[int, int, list[str]]:
    """Of the jobs still there: how many, how many in ERROR, and 'this is a bug' messages."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    seen, errors, bugs = 0, 0, []
    for job in dict.fromkeys(job_ids):
        conn.request("GET", f"/tap/async/{job}/phase")
        response = conn.getresponse()
        phase = response.read().decode()
        if response.status != 200:
            continue
        seen += 1
        if phase == "ERROR":
            errors += 1
            conn.request("GET", f"/tap/async/{job}/error")
            text = conn.getresponse().read().decode("utf-8", "replace")
            if "this is a bug" in text:
                bugs.append(f"{job}: {text[:300]}")
        conn.request("DELETE", f"/tap/async/{job}")
        conn.getresponse().read()
    conn.close()
    return seen, errors, bugs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=12_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--max-seconds", type=float, default=900)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    # python-multipart logs each malformed body it is sent; those are the point here
    logging.getLogger("python_multipart").setLevel(logging.ERROR)
    logging.getLogger("multipart").setLevel(logging.ERROR)
    settings = replace(Settings(), upload_limit=UPLOAD_LIMIT, sync_timeout=20)
    with served_archive(settings, fill) as served:
        port = served.port
        ref_rate = reference(port, 200)
        tally = Tally(
            threading.Lock(),
            collections.Counter(),
            collections.Counter(),
            [],
            [],
            collections.Counter(),
            [],
        )
        rngs = [random.Random(args.seed * 1000 + i) for i in range(args.clients)]
        per_client = [
            [
                (lambda rng=rng: draw(rng, tally.job_ids))
                for _ in range(args.requests // args.clients + (i < args.requests % args.clients))
            ]
            for i, rng in enumerate(rngs)
        ]
        started = time.perf_counter()
        deadline = time.monotonic() + args.max_seconds
        with ThreadPoolExecutor(args.clients) as pool:
            for future in [pool.submit(client, port, reqs, tally, deadline) for reqs in per_client]:
                future.result()
        elapsed = time.perf_counter() - started
        seen, errored, bugs = job_errors(port, tally.job_ids)
    sent = sum(tally.by_class.values()) + sum(
        v for k, v in tally.dropped.items() if k != "retried on a new connection"
    )
    print(f"requests sent:            {sent:,} in {elapsed:.1f} s ({sent / elapsed:.0f}/s)")
    print(
        "responses by class:       "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(tally.by_class.items()))
    )
    kinds = sorted({kind for kind, _ in tally.by_kind})
    for kind in kinds:
        counts = ", ".join(
            f"{cls} {tally.by_kind[(kind, cls)]:,}"
            for cls in ("2xx", "3xx", "4xx", "5xx")
            if tally.by_kind[(kind, cls)]
        )
        print(f"  {kind:22}  {counts}")
    print(f"5xx responses:            {tally.by_class['5xx']:,} (target 0)")
    for summary, status, body in tally.failures[:5]:
        print(f"  {status} {summary}\n      {body!r}")
    print(f"misshapen error answers:  {len(tally.misshapen):,}")
    for summary, status, content_type in tally.misshapen[:5]:
        print(f"  {status} {content_type!r} {summary}")
    retried = tally.dropped.pop("retried on a new connection", 0)
    print(f"dropped requests:         {sum(tally.dropped.values()):,} {dict(tally.dropped)}")
    print(f"  (retried once on a new connection after the server closed one: {retried:,})")
    print(
        f"async jobs created:       {len(set(tally.job_ids)):,} ({seen:,} left at the end, "
        f"{errored:,} in ERROR, {len(bugs)} saying 'this is a bug')"
    )
    for bug in bugs[:5]:
        print(f"  {bug}")
    rate = sent / elapsed
    print(
        f"reference (valid SELECT TOP 1, one connection): {ref_rate:.0f}/s; "
        f"fuzz rate / reference: {rate / ref_rate:.2f}"
    )


if __name__ == "__main__":
    main()
