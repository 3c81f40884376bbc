#!/usr/bin/env python3
"""ABI hygiene: the shared library exports exactly the functions the public header
declares (all named sigma_*), nothing else, and its SONAME is libsigma.so.0."""
import re
import subprocess
import sys

lib, header = sys.argv[1], sys.argv[2]
nm = subprocess.run(["nm", "-D", "--defined-only", lib], capture_output=True, text=True, check=True)
exported = {line.split()[-1].split("@")[0] for line in nm.stdout.splitlines() if line.strip()}
exported = {s for s in exported if not s.startswith("SIGMA_0")}  # version node marker
text = open(header, encoding="utf-8").read()
declared = set(re.findall(r"SIGMA_CALL\s+\*?(sigma_\w+)\s*\(", text))

failures = []
stray = sorted(s for s in exported if not s.startswith("sigma_"))
if stray:
    failures.append("exported symbols outside sigma_*: " + ", ".join(stray))
missing = sorted(declared - exported)
if missing:
    failures.append("declared in sigma.h but not exported: " + ", ".join(missing))
extra = sorted(exported - declared)
if extra:
    failures.append("exported but not declared in sigma.h: " + ", ".join(extra))
dyn = subprocess.run(["readelf", "-d", lib], capture_output=True, text=True, check=True).stdout
if "[libsigma.so.0]" not in dyn:
    failures.append("SONAME is not libsigma.so.0")
for f in failures:
    print("FAIL:", f)
print(f"{len(exported)} exported, {len(declared)} declared: {'ok' if not failures else 'FAILED'}")
sys.exit(1 if failures else 0)
