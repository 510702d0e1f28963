"""Which library writes the XLSX exports: openpyxl's write-only mode or XlsxWriter's constant-memory mode.

Writes the same synthetic rows, shaped like /export/testimonies.xlsx (numbers, a link per row, dates, long text
with Cyrillic and line breaks, joined lists, formula-like text), with each library, every variant in a fresh
process so that its peak memory is its own, and prints rows/s, the file size and the memory growth. Run:

    .venv/bin/python bench/xlsx_writers.py [--rows 50000]

The results and the choice are in bench/RESULTS.md.
"""

import argparse
import datetime
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc

WORDS = ["basement", "pit", "chained", "starvation", "беглецов", "подвал", "Петровская", "шахта", "“cold”", "water"]
HEADERS = ["id", "url", "witness_label", "quote", "given_on", "events", "events_earliest", "site_slugs", "lat"]


def rows(count: int):
    rng = random.Random(4)
    for number in range(1, count + 1):
        quote = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 80)))
        yield [
            number,
            f"https://testimony.example.org/testimonies/{number}/",
            ("=1+1 " if number % 50 == 0 else "") + f"former detainee {number}",
            quote.replace("mine", "mine\n", 1),
            datetime.date(2020, 1, 1) + datetime.timedelta(days=number % 1500),
            f"2022-{number % 12 + 1:02d}",
            datetime.date(2022, number % 12 + 1, 1),
            "; ".join(f"site-{rng.randint(1, 2000)}" for _ in range(rng.randint(1, 3))),
            48.0 + (number % 1000) / 1000,
        ]


def write_xlsxwriter(path: str, count: int, links: bool) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet("testimonies")
    date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for column, header in enumerate(HEADERS):
        sheet.write_string(0, column, header)
    for index, row in enumerate(rows(count), start=1):
        sheet.write_number(index, 0, row[0])
        if links and index <= 65_530:
            sheet.write_url(index, 1, row[1], string=row[1])
        else:
            sheet.write_string(index, 1, row[1])
        sheet.write_string(index, 2, row[2])
        sheet.write_string(index, 3, row[3])
        sheet.write_datetime(index, 4, row[4], date)
        sheet.write_string(index, 5, row[5])
        sheet.write_datetime(index, 6, row[6], date)
        sheet.write_string(index, 7, row[7])
        sheet.write_number(index, 8, row[8])
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, count, len(HEADERS) - 1)
    workbook.close()


def write_openpyxl(path: str, count: int, links: bool) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("testimonies")
    sheet.freeze_panes = "A2"
    sheet.append(HEADERS)

    def text(value):
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"  # never a formula, even when it begins with "="
        return cell

    for index, row in enumerate(rows(count), start=1):
        url = text(row[1])
        if links and index <= 65_530:
            url.hyperlink = row[1]
        given, earliest = WriteOnlyCell(sheet, row[4]), WriteOnlyCell(sheet, row[6])
        given.number_format = earliest.number_format = "yyyy-mm-dd"
        sheet.append([row[0], url, text(row[2]), text(row[3]), given, text(row[5]), earliest, text(row[7]), row[8]])
    sheet.auto_filter.ref = f"A1:I{count + 1}"
    workbook.save(path)


def generate_only(path: str, count: int, links: bool) -> None:
    """The baseline: the rows made and dropped, written nowhere (what both writers' figures include)."""
    for _ in rows(count):
        pass


WRITERS = {"xlsxwriter": write_xlsxwriter, "openpyxl": write_openpyxl, "baseline": generate_only}


def measure(writer: str, count: int, links: bool) -> dict:
    """One run, in this process: time, tracemalloc peak (a second run) and peak RSS growth (the first run)."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "out.xlsx")
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        # CPU time, not wall time: the machine is shared, and a writer's cost is its CPU.
        started = time.process_time()
        WRITERS[writer](path, count, links)
        seconds = time.process_time() - started
        rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
        size = os.path.getsize(path) if os.path.exists(path) else 0
        tracemalloc.start()
        WRITERS[writer](path, count, links)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return {"seconds": seconds, "size": size, "rss_growth_kb": rss_growth, "traced_peak": peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--one", help=argparse.SUPPRESS)  # writer:links, run in a child process
    options = parser.parse_args()
    if options.one:
        writer, links = options.one.split(":")
        print(json.dumps(measure(writer, options.rows, links == "links")))
        return
    print(f"Python {sys.version.split()[0]}, {options.rows:,} rows of {len(HEADERS)} columns, one process per run")
    print(f"{'writer':<30} {'rows/s':>9} {'CPU s':>8} {'file MB':>8} {'RSS growth MB':>14} {'traced peak MB':>15}")
    for writer in WRITERS:
        for links in ("links", "no-links") if writer != "baseline" else ("no-links",):
            child = [sys.executable, __file__, "--rows", str(options.rows), "--one", f"{writer}:{links}"]
            result = json.loads(subprocess.run(child, check=True, capture_output=True, text=True).stdout)  # noqa: S603 (this script)
            name = f"{writer} ({'hyperlinks' if links == 'links' else 'URLs as text'})"
            name = "rows only (baseline)" if writer == "baseline" else name
            print(
                f"{name:<30} {options.rows / result['seconds']:>9,.0f} {result['seconds']:>8.2f} "
                f"{result['size'] / 1e6:>8.1f} {result['rss_growth_kb'] / 1024:>14.1f} "
                f"{result['traced_peak'] / 1e6:>15.1f}"
            )


if __name__ == "__main__":
    main()
