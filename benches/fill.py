#!/usr/bin/env python3
"""Loads N items (10-character ids and names) into a server over pipelined
keep-alive connections, for the memory figures. Usage: fill.py URL N"""
import socket, sys, threading
from urllib.parse import urlsplit

url, n = urlsplit(sys.argv[1]), int(sys.argv[2])
conns = 8
def worker(k):
    s = socket.create_connection((url.hostname, url.port))
    ids = range(k, n, conns)
    got = [0]
    def reader():
        buf = b""
        while got[0] < len(ids):
            data = s.recv(1 << 20)
            if not data:
                break
            got[0] += data.count(b"HTTP/1.1 ")
    t = threading.Thread(target=reader); t.start()
    batch = []
    for i in ids:
        body = b'{"name":"n%09d","size":%d}' % (i, i)
        batch.append(b"PUT /items/%010d HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (i, len(body), body))
        if len(batch) == 2000:
            s.sendall(b"".join(batch)); batch = []
    s.sendall(b"".join(batch))
    t.join(); s.close()
threads = [threading.Thread(target=worker, args=(k,)) for k in range(conns)]
for t in threads: t.start()
for t in threads: t.join()
