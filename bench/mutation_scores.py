"""Per-module mutation scores from `mutmut results --all true` (read on standard input), for `make mutate`.

A mutant's name is `<module>.x_<function>__mutmut_<n>` or `<module>.xǁ<Class>ǁ<method>__mutmut_<n>`; its status is
killed (a test failed: good), survived (no test noticed), timeout, suspicious, no tests or skipped.
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
    statuses[module][status] += 1
    if status != "killed":
        survivors[module].append(line.strip())

print(f"{'module':40} {'mutants':>8} {'killed':>8} {'score':>7}  other")
for module in sorted(statuses):
    counts = statuses[module]
    total = sum(counts.values())
    killed = counts["killed"] + counts["timeout"]  # a mutant that hangs the tests is caught too
    others = ", ".join(f"{status} {n}" for status, n in sorted(counts.items()) if status not in ("killed", "timeout"))
    print(f"{module:40} {total:>8} {killed:>8} {killed / total:>7.0%}  {others}")
for module in sorted(survivors):
    print(f"\n{module}: not killed")
    for line in survivors[module]:
        print(f"  {line}")
