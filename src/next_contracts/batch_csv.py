"""A bonus run's file, as a French or an English spreadsheet exports it, read without guessing.

What is accepted:
- UTF-8 text, with or without a byte-order mark (Excel's "CSV UTF-8");
- a first line naming the columns: `address` (or `adresse`) and `amount` (or `montant`), in any
  order, any case, with any other columns (a name ...); their separator, `;` or `,`, is read from
  that line and holds for the whole file;
- fields in double quotes, as spreadsheets write them when a field holds the separator;
- amounts as `next_contracts.amounts.parse_amount` reads them: a decimal point or comma, thousands
  grouped by spaces (incl. U+00A0, U+202F). In a `,`-separated file a decimal comma must be quoted
  ("12,50"), as spreadsheets do; unquoted, it makes one field too many and the line is refused;
- empty lines (or lines of empty fields) are skipped.
What is refused, every bad line named by its number (the header is line 1): a line whose number
of fields is not the header's, a bad address or amount, a payee twice in the file.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from next_contracts.amounts import checked_address, parse_amount
from next_contracts.said import BadInput
from next_contracts.words import say

COLUMNS = {"address": ("address", "adresse"), "amount": ("amount", "montant")}
SEPARATORS = (";", ",")
_WHOLE = re.compile(r"[0-9]{1,3}(?:[ \u00a0\u202f]?[0-9]{3})*")
# What a French reader takes for the decimals after a comma: one to three digits, alone or followed
# by a unit or a word (12,50 / 12,50 € / 12,5 euros / 12,500), matched at the field's start; not a
# number of its own (0.01, 1 234).
_CENTS = re.compile(r"[0-9]{1,3}(?=$|[^0-9.,\s]|\s+[^0-9\s])")


@dataclass(frozen=True)
class Line:
    number: int  # in the file, the header being line 1
    address: str
    amount: int


def read_lines(path: Path) -> tuple[list[Line], list[str]]:
    """The file's lines, and a message for every bad one (with its line number)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        return [], [say("wallet.csv.unreadable", path=path, error=error.strerror or error)]
    return read_data(data, str(path))


def read_data(data: bytes, name: str) -> tuple[list[Line], list[str]]:
    """A file's bytes read by the rules above (the gateway reads an uploaded file with them too)."""
    path = name
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [say("wallet.csv.not_utf8", path=path)]
    header_line = text.splitlines()[0] if text else ""
    try:
        separator, columns = _header(header_line)
    except BadInput as error:
        return [], [say("wallet.csv.header_problem", path=path, error=error)]
    lines: list[Line] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    # The rows as written (split as the reader splits them), for the quotes of a ,-separated file.
    raw_lines = io.StringIO(text, newline="").readlines() if separator == "," else []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, quotechar='"', strict=True)
    try:
        next(reader)
        start = reader.line_num
        for row in reader:
            number, first, start = reader.line_num, start, reader.line_num
            if not any(field.strip() for field in row):
                continue
            if len(row) != len(columns):
                hint = say("wallet.csv.quote_hint") if separator == "," else ""
                fields_problem = say("wallet.csv.fields", count=len(row), columns=len(columns)) + hint
                problems.append(say("wallet.batch.line", number=number, problem=fields_problem))
                continue
            fields = dict(zip(columns, row, strict=True))
            try:
                if separator == ",":
                    record = "".join(raw_lines[first:number])  # the row as written, quotes included
                    _refuse_a_split_decimal_comma(row, _quoted(record, separator), columns.index("amount"))
                address = checked_address(fields["address"], "payee")
                amount = parse_amount(fields["amount"])
            except BadInput as error:
                problems.append(say("wallet.batch.line", number=number, problem=error))
                continue
            if address in seen:
                twice = say("wallet.csv.twice", address=address, line=seen[address])
                problems.append(say("wallet.batch.line", number=number, problem=twice))
                continue
            seen[address] = number
            lines.append(Line(number, address, amount))
    except csv.Error as error:
        problems.append(say("wallet.batch.line", number=reader.line_num, problem=say("wallet.csv.broken", error=error)))
    if not lines and not problems:
        problems.append(say("wallet.csv.empty", path=path))
    return lines, problems


def _refuse_a_split_decimal_comma(row: list[str], quoted: list[bool], at: int) -> None:
    """In a ,-separated file, `12,50` unquoted is two fields to the program and 12.50 to a French
    reader: refused wherever the amount's column is, since the program cannot know which was meant.
    So is `12,50 €` (the amount 12 and a field `50 €` to the program) and `12,500`. A field of digits
    before the amount (`12,50` read as name 12, amount 50) counts as after it."""
    for left, right in ((at, at + 1), (at - 1, at)):
        if left < 0 or right >= len(row) or quoted[left] or quoted[right]:
            continue
        if _WHOLE.fullmatch(row[left].strip()) and _CENTS.match(row[right].strip()):
            joined = f"{row[left].strip()},{row[right].strip()}"
            left_text, right_text = repr(row[left].strip()), repr(row[right].strip())
            raise BadInput.said("wallet.csv.split_comma", left=left_text, right=right_text, joined=joined)


def _quoted(record: str, separator: str) -> list[bool]:
    """For each field of one raw record (already read by csv, so well-formed), whether it was quoted."""
    flags: list[bool] = []
    quoted = in_quotes = closed = False
    at_start = True
    for char in record.rstrip("\r\n"):
        if in_quotes:
            in_quotes, closed = char != '"', char == '"'
            continue
        if char == '"' and (at_start or closed):  # a field's opening quote, or a doubled one
            quoted, in_quotes, at_start, closed = quoted or at_start, True, False, False
            continue
        closed = False
        if char == separator:
            flags.append(quoted)
            quoted, at_start = False, True
            continue
        at_start = False
    flags.append(quoted)
    return flags


def _header(line: str) -> tuple[str, list[str]]:
    """The separator and the column names (address, amount, or another name kept as it is)."""
    found = []
    for separator in SEPARATORS:
        names = [name.strip().lower() for name in next(csv.reader([line], delimiter=separator))]
        columns = [next((key for key, aliases in COLUMNS.items() if name in aliases), name) for name in names]
        if all(columns.count(key) == 1 for key in COLUMNS):
            found.append((separator, columns))
    if len(found) != 1:
        raise BadInput.said("wallet.csv.header")
    return found[0]
