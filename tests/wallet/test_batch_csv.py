"""What a French or an English spreadsheet exports is paid to the hundredth, and anything that
could be read two ways is refused with its line number: never a guess."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from next_contracts.amounts import parse_amount
from next_contracts.batch_csv import read_data, read_lines
from next_contracts.said import BadInput
from next_wallet.errors import ExitStatus
from tests.wallet.conftest import admit, ledger_of, new_member
from tests.wallet.test_cli import PW, create


@pytest.mark.parametrize(
    ("text", "hundredths"),
    [
        ("12", 1_200),
        ("12.5", 1_250),
        ("12,50", 1_250),
        ("1 234,56", 123_456),
        ("1\u00a0234.56", 123_456),
        ("1\u202f234\u202f567,5", 123_456_750),
        ("0,01", 1),
    ],
)
def test_parse_amount_accepts_both_decimal_marks_and_spaced_thousands(text, hundredths):
    assert parse_amount(text) == hundredths


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("1,234", "ambiguous"),
        ("1.234", "ambiguous"),
        ("1.234,5", "ambiguous"),
        ("1,234,567", "ambiguous"),
        ("1,2345", "more than 2 decimals"),
        ("\u0661\u0662", "not 0-9"),  # Arabic-Indic digits
        ("\uff11\uff12", "not 0-9"),  # full-width digits
        ("1 23", "not an amount"),
        ("12.", "not an amount"),
        ("-1", "not an amount"),
        ("0,00", "more than 0"),
    ],
)
def test_parse_amount_refuses_what_could_be_read_two_ways(text, why):
    with pytest.raises(BadInput, match=why):
        parse_amount(text)


@pytest.fixture
def council_key(wallet, w3, deployment, operator):
    address = create(wallet, "council")
    admit(w3, deployment, operator, address, limit=10**10, ceiling=10**10, kind=2)
    return address


def payees(w3, deployment, operator, n):
    return [new_member(w3, deployment, operator).address for _ in range(n)]


def balances(w3, deployment, members):
    ledger = ledger_of(w3, deployment)
    return [ledger.functions.balanceOf(m).call() for m in members]


def test_a_french_spreadsheet_export_is_paid_to_the_hundredth(wallet, w3, deployment, operator, council_key, tmp_path):
    staff = payees(w3, deployment, operator, 4)
    path = tmp_path / "primes.csv"
    path.write_bytes(
        "\ufeffNom;Adresse;Montant\n"  # Excel's CSV UTF-8: a BOM, ; separators, French column names
        f"Jeanne Dupont;{staff[0]};12,50\n"
        f'"Martin; Paul";{staff[1]};1\u00a0234,56\n'
        f"Zoé;{staff[2]};7\n"
        ";;\n"  # a line of empty fields, as spreadsheets leave at the end
        f'"Léa ""la grande""";{staff[3]};"0,05"\n'.encode()
    )
    result = wallet("--json", "batch-pay", "council", str(path), "--yes", *PW)
    assert result.code == 0, result.err
    assert balances(w3, deployment, staff) == [1_250, 123_456, 700, 5]
    assert json.loads(result.out)["paid"] == 4


def test_an_english_export_with_quoted_decimal_commas_is_paid(wallet, w3, deployment, operator, council_key, tmp_path):
    staff = payees(w3, deployment, operator, 2)
    path = tmp_path / "bonus.csv"
    path.write_text(f'address,amount,name\n{staff[0]},12.50,"Smith, John"\n{staff[1]},"12,50",Jane\n')
    result = wallet("batch-pay", "council", str(path), "--yes", *PW)
    assert result.code == 0, result.err
    assert balances(w3, deployment, staff) == [1_250, 1_250]


def test_an_unquoted_decimal_comma_in_a_comma_file_is_refused(wallet, w3, deployment, operator, council_key, tmp_path):
    """`0x…,12,50,Jeanne Dupont` paid 12.00; `1 234,56` paid 1 234.00: the extra field was ignored."""
    staff = payees(w3, deployment, operator, 3)
    path = tmp_path / "bonus.csv"
    path.write_text(
        f"address,amount,name\n{staff[0]},12,50,Jeanne Dupont\n{staff[1]},1 234,56,Paul\n{staff[2]},3.00,Zoé\n"
    )
    result = wallet("batch-pay", "council", str(path), "--yes", *PW)
    assert result.code == ExitStatus.BAD_INPUT
    assert "line 2: 4 fields where the first line names 3" in result.err and "line 3: 4 fields" in result.err
    assert '"12,50"' in result.err  # says how to write it
    assert "line 4" not in result.err
    assert balances(w3, deployment, staff) == [0, 0, 0]


def test_a_line_with_fewer_fields_or_a_foreign_digit_is_refused(
    wallet, w3, deployment, operator, council_key, tmp_path
):
    staff = payees(w3, deployment, operator, 4)
    path = tmp_path / "primes.csv"
    path.write_text(
        "adresse;montant;nom\n"
        f"{staff[0]};12,50\n"  # line 2: a field short
        f"{staff[1]};\u0661\u0662;Ali\n"  # line 3: Arabic-Indic digits
        f"{staff[2]};1.234,5;Zoé\n"  # line 4: a point and a comma
        f"{staff[3]};1,234;Léo\n"  # line 5: thousands or decimals?
    )
    result = wallet("batch-pay", "council", str(path), "--yes", *PW)
    assert result.code == ExitStatus.BAD_INPUT
    assert "line 2: 2 fields where the first line names 3" in result.err
    assert "line 3: not an amount" in result.err and "not 0-9" in result.err
    assert "line 4: ambiguous amount" in result.err and "line 5: ambiguous amount" in result.err
    assert balances(w3, deployment, staff) == [0, 0, 0, 0]


@pytest.mark.parametrize(
    ("header", "why"),
    [
        ("name,amount\n", "must name the columns address and amount"),
        ("address;amount,amount\n", "must name the columns"),
        ("address,amount,address\n", "must name the columns"),
    ],
)
def test_a_header_without_its_columns_is_refused(wallet, council_key, tmp_path, header, why):
    path = tmp_path / "bad.csv"
    path.write_text(header + "0x" + "11" * 20 + ",1,x\n")
    result = wallet("batch-pay", "council", str(path), "--yes", *PW)
    assert result.code == ExitStatus.BAD_INPUT and "line 1:" in result.err and why in result.err


def test_a_file_that_is_not_utf8_is_refused(wallet, council_key, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("address;amount;nom\n0x{};1;Zoé\n".format("11" * 20).encode("latin-1"))
    result = wallet("batch-pay", "council", str(path), "--yes", *PW)
    assert result.code == ExitStatus.BAD_INPUT and "UTF-8" in result.err


def test_batch_pay_help_says_what_is_accepted(capsys):
    from next_wallet import cli

    with pytest.raises(SystemExit):
        cli.main(["batch-pay", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "1,234 or 1.234" in text and '"12,50"' in text and "pays only the lines the chain shows unpaid" in text


PAYEE = "0x" + "ab" * 20
LAYOUTS = [  # (header, a line with the amount 12,50 unquoted, then the same line with it quoted)
    ("address,amount,name", f"{PAYEE},12,50", f'{PAYEE},"12,50",'),  # the name left empty
    ("address,amount,name", f"{PAYEE},12,50,Jeanne", f'{PAYEE},"12,50",Jeanne'),  # one field too many
    ("name,address,amount", f",{PAYEE},12,50", f',{PAYEE},"12,50"'),
    ("name,address,amount", f"Jeanne,{PAYEE},12,50", f'Jeanne,{PAYEE},"12,50"'),
    ("amount,name,address", f"12,50,{PAYEE}", f'"12,50",,{PAYEE}'),  # name empty: 12, then 50 as the name
    ("amount,name,address", f"12,50,Jeanne,{PAYEE}", f'"12,50",Jeanne,{PAYEE}'),
    ("name,amount,address", f"12,50,{PAYEE}", f',"12,50",{PAYEE}'),  # 12 as the name, 50 as the amount
    ("name,amount,address", f"Jeanne,12,50,{PAYEE}", f'Jeanne,"12,50",{PAYEE}'),
    ("address,amount", f"{PAYEE},12,50", f'{PAYEE},"12,50"'),
    ("amount,address", f"12,50,{PAYEE}", f'"12,50",{PAYEE}'),
]


@pytest.mark.parametrize(("header", "unquoted", "quoted"), LAYOUTS)
def test_read_lines_never_pays_a_decimal_comma_split_in_two_columns(tmp_path, header, unquoted, quoted):
    path = tmp_path / "bonus.csv"
    path.write_text(f"{header}\n{unquoted}\n")
    lines, problems = read_lines(path)
    assert lines == [] and len(problems) == 1 and problems[0].startswith("line 2: ")
    path.write_text(f"{header}\n{quoted}\n")
    lines, problems = read_lines(path)
    assert problems == [] and [(line.number, line.amount) for line in lines] == [(2, 1_250)]


@pytest.mark.parametrize(
    ("header", "line", "hundredths"),
    [
        ("address,amount,name", f"{PAYEE},12,Jeanne", 1_200),  # a name, not digits, after the amount
        ("address,amount,name", f"{PAYEE},12.50,50", 1_250),  # a point: no French reading of 12.50,50
        ("address,amount,staff id", f"{PAYEE},12,4521", 1_200),  # 12,4521 is no amount to anyone
        ("address,amount,name", f'{PAYEE},12,"50"', 1_200),  # the 50 quoted: a field of its own
        ("address;amount;name", f"{PAYEE};12,50;", 1_250),  # ;-separated: the comma is the decimal mark
    ],
)
def test_read_lines_pays_what_only_reads_one_way(tmp_path, header, line, hundredths):
    path = tmp_path / "bonus.csv"
    path.write_text(f"{header}\n{line}\n")
    lines, problems = read_lines(path)
    assert problems == [] and [line.amount for line in lines] == [hundredths]


@pytest.mark.parametrize("cell", ["12,50 €", "12,50EUR", "12,5 euros", "12,500", '"12,50 €"', "12.50 €", "€12.50"])
@pytest.mark.parametrize("header", ["address,amount,name", "address,amount"])
def test_read_lines_refuses_an_amount_with_a_unit_on_its_line(tmp_path, header, cell):
    """Read as 12.00 and paid, by the CLI and the web app's upload check alike, before."""
    path = tmp_path / "bonus.csv"
    path.write_text(f"{header}\n{PAYEE},{cell}\n")
    lines, problems = read_lines(path)
    assert lines == [] and len(problems) == 1 and problems[0].startswith("line 2: ")


def test_read_lines_names_the_french_reading_in_its_refusal(tmp_path):
    path = tmp_path / "bonus.csv"
    path.write_text(f'address,amount,name\n{PAYEE},"3,00",Zoé\n{PAYEE.replace("ab", "cd")},12,50\n')
    lines, problems = read_lines(path)
    assert [line.number for line in lines] == [2]
    assert problems == [
        "line 3: '12' and '50' in two columns read as the amount 12,50 to a French reader: "
        'quote it ("12,50") or write it with a point'
    ]


UNITS = ("€", " €", "\u00a0€", "EUR", " EUR", " euros", "NXT")


@st.composite
def amount_cells(draw):
    """An amount as a French or English spreadsheet writes it, and its reference reading: the exact
    hundredths, or None where the cell is not a bare number (a unit before or after it)."""
    hundredths = draw(st.integers(min_value=1, max_value=10**11))
    whole, cents = divmod(hundredths, 100)
    digits = str(whole)
    if draw(st.booleans()):
        space = draw(st.sampled_from(" \u00a0\u202f"))
        groups = [digits[max(0, i - 3) : i] for i in range(len(digits), 0, -3)][::-1]
        digits = space.join(groups)
    mark = draw(st.sampled_from(",."))
    if cents == 0:
        decimals = draw(st.sampled_from(["", f"{mark}00", f"{mark}0"]))
    elif cents % 10 == 0:
        decimals = draw(st.sampled_from([f"{mark}{cents:02d}", f"{mark}{cents // 10}"]))
    else:
        decimals = f"{mark}{cents:02d}"
    prefix = draw(st.sampled_from(["", "", "€", "€ "]))
    suffix = draw(st.sampled_from(("", "", *UNITS)))
    cell = f"{prefix}{digits}{decimals}{suffix}"
    return cell, (hundredths if not prefix and not suffix else None)


@settings(max_examples=400, deadline=None)
@given(
    amount=amount_cells(),
    separator=st.sampled_from(",;"),
    order=st.permutations(["address", "amount", "name"]),
    name=st.sampled_from(["", "Jeanne", "12", "3 Suisses", "50"]),
    quote=st.booleans(),
    drop_trailing_empty=st.booleans(),
)
def test_an_amount_cell_is_read_exactly_or_refused_whatever_its_shape(
    amount, separator, order, name, quote, drop_trailing_empty
):
    cell, reference = amount
    cells = {"address": PAYEE, "amount": f'"{cell}"' if quote else cell, "name": name}
    row = [cells[column] for column in order]
    while drop_trailing_empty and row and row[-1] == "":
        row.pop()
    data = f"{separator.join(order)}\n{separator.join(row)}\n".encode()
    lines, problems = read_data(data, "bonus.csv")
    read = [line.amount for line in lines]
    # Never another amount than the cell's own; a unit, or a split the program cannot undo, refused.
    assert read in ([], [reference]), (cell, read)
    assert (read == []) == bool(problems)
    if reference is None:
        assert read == []
    elif (quote or separator not in cell) and len(row) == len(order) and not name[:1].isdigit():
        assert read == [reference], (cell, problems)  # a whole row that reads one way only: paid
