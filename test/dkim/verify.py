#!/usr/bin/env python3
"""Verifies every DKIM-Signature of a message with dkimpy (Debian python3-dkim), without DNS.

Usage: verify.py MESSAGE_FILE NAME=TXT...   (NAME is like sel._domainkey.example.com)
Prints one JSON line: {"results": [true|false per signature, top first], "errors": [...]}.
The key records come from the arguments: dkimpy's dnsfunc is the only lookup it makes.
"""
import json
import sys

import dkim

path = sys.argv[1]
records = {}
for arg in sys.argv[2:]:
    name, _, txt = arg.partition('=')
    records[name.rstrip('.').lower()] = txt.encode('ascii')


def dnsfunc(name, timeout=5):
    if isinstance(name, bytes):
        name = name.decode('ascii')
    return records.get(name.rstrip('.').lower())


with open(path, 'rb') as f:
    message = f.read()

d = dkim.DKIM(message)
count = sum(1 for (k, _v) in d.headers if k.lower() == b'dkim-signature')
results = []
errors = []
for idx in range(count):
    try:
        ok = bool(d.verify(idx=idx, dnsfunc=dnsfunc))
    except Exception as e:  # a malformed signature is a failure, said as such
        ok = False
        errors.append(repr(e))
    results.append(ok)
print(json.dumps({"results": results, "errors": errors}))
