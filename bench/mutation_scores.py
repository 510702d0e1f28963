"""Per-module mutation scores from `mutmut results --all true` (read on standard input), for `make mutate`.

A mutant's name is `<module>.x_<function>__mutmut_<n>` or `<module>.xǁ<Class>ǁ<method>__mutmut_<n>`; its status is
killed (a test failed: good), survived (no test noticed), timeout, suspicious, no tests or skipped; "not checked"
(a mutant outside the functions bench/mutate.py names for its module) is not counted.
"""

import re
import sys
from collections import Counter, defaultdict

LINE = re.compile(r"^\s*(?P<module>[\w.]+?)\.x[_ǁ](?P<rest>\S+)__mutmut_\d+:\s*(?P<status>.+?)\s*$")

statuses: dict[str, Counter] = defaultdict(Counter)
survivors: dict[str, list[str]] = defaultdict(list)
for line in sys.stdin:
    match = LINE.match(line)
    if not match:
        continue
    module, status = match["module"], match["status"]
    if status == "not checked":
        continue
    statuses[module][status] += 1
    if status != "killed":
        survivors[module].append(line.strip())

print(f"{'module':28} {'mutants':>7} {'killed':>7} {'survived':>8} {'no test':>7} {'score':>6}  other")
for module in sorted(statuses):
    counts = statuses[module]
    total = sum(counts.values())
    killed = counts["killed"] + counts["timeout"]  # a mutant that hangs the tests is caught too
    survived, no_test = counts["survived"], counts["no tests"]
    others = ", ".join(
        f"{status} {n}"
        for status, n in sorted(counts.items())
        if status not in ("killed", "timeout", "survived", "no tests")
    )
    print(f"{module:28} {total:>7} {killed:>7} {survived:>8} {no_test:>7} {killed / total:>6.0%}  {others}")
for module in sorted(survivors):
    print(f"\n{module}: not killed")
    for line in survivors[module]:
        print(f"  {line}")
