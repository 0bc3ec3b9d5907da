"""Prints what a resident downloads on two journeys against a running service, as bytes on the
wire (bodies as sent to a browser that accepts brotli, plus response headers):

- the claim journey: from opening a campaign to a granted claim (the first visit with the
  campaign's page as the service paints it, carrying the campaign and its stock, then the clock,
  the stock stream's snapshot, the outline and the geofence's wasm module when the resident asks
  where they are, a sign-in, the claim);
- the wallet journey: the same resident, still signed in, opening the wallet and a voucher's
  merchants (the first visit, the wallet pages' wasm module and CSS, the clock, the wallet, the
  voucher's campaign, its first page of merchants).

Usage: journeys.py BASE_URL PARTNER_SECRET CAMPAIGN FIRST_VISIT_BYTES
Figures, not pass/fail. Called by scripts/bench.sh.
"""

import base64
import hashlib
import hmac
import http.client
import json
import re
import sys
import time
import urllib.parse
import uuid

base, secret, campaign, first_visit = sys.argv[1], sys.argv[2].encode(), sys.argv[3], int(sys.argv[4])
origin = urllib.parse.urlsplit(base)
HEADERS = {"Accept-Encoding": "br, gzip", "Accept": "application/json"}


def fetch(method, path, body=None, headers=None, first_event=False):
    connection = http.client.HTTPConnection(origin.hostname, origin.port, timeout=10)
    sent = dict(HEADERS, **(headers or {}))
    if body is not None:
        body = json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    connection.request(method, path, body=body, headers=sent)
    response = connection.getresponse()
    if first_event:
        # An event stream never ends: read up to the end of its first event.
        data = b""
        while b"\n\n" not in data:
            chunk = response.read1(65536)
            if not chunk:
                break
            data += chunk
        data = data[: data.index(b"\n\n") + 2] if b"\n\n" in data else data
    else:
        data = response.read()
    head = len(f"HTTP/1.1 {response.status} {response.reason}\r\n") + sum(len(f"{k}: {v}\r\n") for k, v in response.getheaders()) + 2
    connection.close()
    encoding = response.getheader("Content-Encoding") or "identity"
    return response.status, data, head, encoding


def sign_in():
    claims = {"partner": "jd", "account": f"bench-{uuid.uuid4()}", "aud": "huiquan", "exp": int(time.time()) + 600,
              "jti": str(uuid.uuid4()), "real_name": True, "enterprise": False}
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
    signature = base64.urlsafe_b64encode(hmac.new(secret, payload, hashlib.sha256).digest()).rstrip(b"=")
    return ("POST", "/api/v1/sessions/partner", {"token": (payload + b"." + signature).decode()})


def journey(title, steps, token=None):
    print(f"{title}:")
    print(f"  {'first visit (scripts/first-visit.sh)':<58} {first_visit:>9}")
    total = first_visit
    for name, step in steps:
        method, path, body = step
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if name == "claim":
            headers["Idempotency-Key"] = str(uuid.uuid4())
        status, data, head, encoding = fetch(method, path, body, headers, first_event=path.endswith("/events"))
        if name == "sign-in":
            token = json.loads(data)["token"]
        total += len(data) + head
        print(f"  {name + ' ' + str(status) + ' (' + encoding + ')':<34} {path[-30:]:<30} {len(data) + head:>9}")
    print(f"  {'total':<58} {total:>9}  ({total / 1024:.0f} KiB)")
    return token


here = f"/api/v1/campaigns/{campaign}"
detail = json.loads(fetch("GET", here, headers={"Accept-Encoding": "identity"})[1])
# A release under way and the city centre: the demo shifts campaigns so one is open.
offer = next(tier["id"] for theme in detail["themes"] for tier in theme.get("tiers", []))
centre = {"latitude": 39.1256, "longitude": 117.1909, "accuracy": 30.0}
# The claim page comes from the service painted, with the campaign and its stock in it (no
# requests for them): it takes the plain index.html's place in the first visit.
_, plain, plain_head, _ = fetch("GET", "/", headers={"Accept": "text/html"})
first_visit -= len(plain) + plain_head
# Parts of the app are wasm modules of their own, named in the split's loader with the shared
# chunks each needs; none of them is in the first visit.
loader = fetch("GET", "/__wasm_split.js", headers={"Accept-Encoding": "identity"})[1].decode()
chunks = dict(re.findall(r'const (__chunk_\d+) = makeLoad\(\(\) => \{\s*const src = fetch\(new URL\("\./(later/[^"]+)"', loader))


def split_module(name):
    """The paths of split module `name` and of the chunks it needs (none in a build without it)."""
    found = re.search(rf'__wasm_split_load_{name} = wrapAsyncCb\(makeLoad\(\(\) => \{{\s*const src = fetch\(new URL\("\./(later/[^"]+)".*?\[([^\]]*)\]\)\)', loader, re.S)
    return [found[1], *(chunks[dep.strip()] for dep in found[2].split(",") if dep.strip())] if found else []


print(f"(the plain index.html, {len(plain) + plain_head} bytes with headers, is replaced by the painted campaign page)")
resident = journey("claim journey", [
    ("campaign page, painted", ("GET", f"/campaigns/{campaign}", None)),
    ("clock", ("GET", "/api/v1/time", None)),
    ("stock stream snapshot", ("GET", f"{here}/stock/events", None)),
    ("outline", ("GET", f"{here}/boundary", None)),
    *(("geofence's module", ("GET", f"/{path}", None)) for path in split_module("geofence")),
    ("sign-in", sign_in()),
    ("claim", ("POST", f"{here}/claims", {"offer": offer, "location": centre})),
])
first_visit += len(plain) + plain_head
# The wallet and voucher pages' module: a granted claim fetches it ahead; a resident who opens
# the wallet first fetches it then.
journey("wallet journey", [
    *(("wallet pages' module", ("GET", f"/{path}", None)) for path in split_module("wallet_pages")),
    # Their own stylesheet (style/wallet.css), linked by the pages.
    ("wallet pages' CSS", ("GET", "/wallet.css", None)),
    ("clock", ("GET", "/api/v1/time", None)),
    ("wallet", ("GET", "/api/v1/wallet", None)),
    ("campaign", ("GET", here, None)),
    ("merchants", ("GET", f"{here}/merchants?tier={offer}&limit=20", None)),
], token=resident)
