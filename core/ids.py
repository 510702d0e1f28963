"""Record ids as they arrive from outside: form fields, CSV cells, checkbox values.

`str.isdigit()` is not enough: it accepts "²" (which `int()` refuses) and numbers beyond the 64-bit id column, which
the database driver refuses with an exception instead of matching nothing.
"""

MAX_RECORD_ID = 2**63 - 1  # the largest BigAutoField


def record_id(value) -> int | None:
    """`value` as a record id, or None if it cannot be one."""
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 0 < number <= MAX_RECORD_ID else None


def is_record_id(value) -> bool:
    return record_id(value) is not None
