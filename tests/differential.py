#!/usr/bin/env python3
"""Differential fuzzing: send the same random raw requests to the reference
app and to `itemctl serve`, and report any difference in status, headers
(date and server aside) or body bytes.

Stdlib only. Usage:
    tests/differential.py --ref http://127.0.0.1:8000 --us http://127.0.0.1:8001 \
        [--seed 1] [--cases 1000] [--mode bodies|targets|both]

Every request uses a fresh random id, so the two servers' states stay equal
(both may be long-running). Last line: "N passed, M failed"; exit 1 on any
difference.
"""
import argparse
import random
import socket
import sys
from urllib.parse import urlsplit


def send(addr, raw, timeout=10):
    s = socket.create_connection(addr, timeout=timeout)
    try:
        s.sendall(raw)
        data = b""
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                return data + b"<TIMEOUT>"
            except ConnectionResetError:
                return data + b"<RESET>"
            if not chunk:
                return data
            data += chunk
    finally:
        s.close()


def normalize(resp, port):
    head, _, body = resp.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    kept = []
    for line in lines[1:]:
        lower = line.lower()
        if lower.startswith((b"date:", b"server:")):
            continue
        if lower.startswith(b"allow:"):
            # The docs routes' allow is a Python set joined in hash order:
            # nondeterministic in the reference (BEHAVIOR.md section 8).
            methods = sorted(m.strip() for m in line.split(b":", 1)[1].split(b","))
            line = b"allow: " + b", ".join(methods)
        kept.append(line)
    # A redirect falls back to each server's own socket address.
    text = b"\n".join([lines[0]] + kept) + b"\n\n" + body
    return text.replace(str(port).encode(), b"PORT")


ATOMS = ['null', 'true', 'false', '0', '-0', '1', '-1', '3.0', '3.5', '1e3', '1E400', '-1e400', 'NaN',
         'Infinity', '-Infinity', '1e19', '-9.2233720368547758e18', '9.2233720368547758e18',
         '12345678901234567890', '0.1', '1e-7', '5e-324', '2.5e+20', '"x"', '""', '"\\u00e9"',
         '"\\ud800"', '"\\udc00x"', '"\\ud83d\\ude00"', '"a\\nb"', '"\\u001b"', '"\\u2028"', '" 3 "',
         '"1_000"', '"+7"', '"-0"', '"3.0"', '"3."', '"abc"', '"0x10"', '"\\u00a03"', '"\\u00853"',
         '"1__0"', '[]', '{}', '[1,2]', '{"a":1}', '{"_sa":1,"b":[NaN]}', '{"_sa":1,"b":2}',
         '[1.5,{"_sa_x":2}]', '"\\t9\\n"', '"\\u0663"', '1.0000000000000002', '123.456e-2', '-0.0',
         '[[[]]]', '"\\/"', '"\\b\\f"']
KEYS = ['"name"', '"size"', '"Name"', '"extra"', '"name"', '"size"']
CONTENT_TYPES = [b'application/json'] * 8 + [b'application/vnd.x+json; charset=latin-1', b'text/plain',
                                              b'APPLICATION/JSON ;', b'application/json, text/plain', b'']


def value(rng, depth=0):
    r = rng.random()
    if depth < 3 and r < 0.15:
        return '[' + ','.join(value(rng, depth + 1) for _ in range(rng.randint(0, 3))) + ']'
    if depth < 3 and r < 0.25:
        return '{' + ','.join(rng.choice(KEYS) + ':' + value(rng, depth + 1)
                              for _ in range(rng.randint(0, 3))) + '}'
    return rng.choice(ATOMS)


def body(rng):
    text = '{' + ','.join(rng.choice(KEYS) + rng.choice([':', ' : ']) + value(rng)
                          for _ in range(rng.randint(0, 4))) + '}'
    r = rng.random()
    if r < 0.1:
        text = value(rng)
    elif r < 0.25:
        i = rng.randint(0, len(text))
        text = text[:i] + rng.choice(['', ',', '"', '\\', ']', '}', ' ', '\x01', 'é', '1', ':', '[', '{', 'x']) \
            + text[i + rng.randint(0, 2):]
    elif r < 0.3:
        text = text[:rng.randint(0, len(text))]
    raw = text.encode('utf-8', 'surrogatepass')
    r = rng.random()
    if r < 0.05:
        raw = b'\xef\xbb\xbf' + raw
    elif r < 0.08:
        raw = text.encode('utf-16-le', 'surrogatepass')
    elif r < 0.1:
        raw = text.encode('utf-16', 'surrogatepass')
    elif r < 0.12:
        raw = text.encode('utf-32-be', 'surrogatepass')
    elif r < 0.14:
        raw += b'\xff'
    return raw


def body_request(rng, i):
    b = body(rng)
    ct = rng.choice(CONTENT_TYPES)
    rid = b'b%d-%d' % (rng.randint(0, 10 ** 12), i)
    return (b'PUT /items/' + rid + b' HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n'
            + ((b'Content-Type: ' + ct + b'\r\n') if ct else b'')
            + b'Content-Length: %d\r\nConnection: close\r\n\r\n' % len(b) + b)


PARTS = ['items', 'items', 'item', 'docs', 'redoc', 'openapi.json', 'oauth2-redirect', '', '.', '..', 'foo',
         'bar', '%66oo', '%2F', '%2f', '%20', '%', '%Z', '%e2%98%83', '%fe', '%ff%fe', '%0A', '%0a', '%3F',
         '%23', '#', ';', '+', '~', '%5C', '\\', 'a%00b', '%C3%A9', '%c3', '%ED%A0%80', "'", '(', ')', '*',
         '!', '$', '&', '=', ',', '@', ':', '[', ']', '"', '<', '>', '^', '`', '{', '|', '}']
METHODS = ['PUT'] * 5 + ['GET', 'HEAD', 'POST', 'DELETE', 'OPTIONS', 'put', 'PATCH', 'FOO']
HOSTS = [b'127.0.0.1:8000', b'example.com', b'ex ample', b'[::1]:80', b'a%zz:0080']


def target_request(rng, i):
    segs = [rng.choice(PARTS) for _ in range(rng.randint(0, 4))]
    if rng.random() < 0.6:
        segs = ['items', rng.choice(PARTS) + rng.choice(PARTS) + 't%d-%d' % (rng.randint(0, 10 ** 12), i)] \
            + segs[:rng.randint(0, 1)]
    path = '/' + '/'.join(segs) + rng.choice(['', '', '/', '//'])
    if rng.random() < 0.2:
        path = '/' + path
    if rng.random() < 0.3:
        path += '?' + rng.choice(['', 'q=1', 'a=%20&b=<>', 'x=%e2%98%83', 'y=/?#'])
    xf = rng.choice([b'', b'', b'X-Forwarded-Proto: https\r\n', b'X-Forwarded-Proto: wss\r\n'])
    return (rng.choice(METHODS).encode() + b' ' + path.encode() + b' HTTP/1.1\r\nHost: ' + rng.choice(HOSTS)
            + b'\r\n' + xf + b'Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ref", required=True)
    ap.add_argument("--us", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cases", type=int, default=1000)
    ap.add_argument("--mode", choices=["bodies", "targets", "both"], default="both")
    args = ap.parse_args()
    ref, us = urlsplit(args.ref), urlsplit(args.us)
    rng = random.Random(args.seed)
    makers = {"bodies": [body_request], "targets": [target_request], "both": [body_request, target_request]}
    passed = failed = 0
    for i in range(args.cases):
        raw = rng.choice(makers[args.mode])(rng, i)
        a = normalize(send((ref.hostname, ref.port), raw), ref.port)
        b = normalize(send((us.hostname, us.port), raw), us.port)
        if a == b:
            passed += 1
        else:
            failed += 1
            print("DIFF request %r" % raw[:240])
            print("  reference: %r" % a[:400])
            print("  itemctl:   %r" % b[:400])
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
