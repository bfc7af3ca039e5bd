"""A council's bonus file, uploaded from the web app, read by the CLI's own rules
(next_contracts.batch_csv): every bad line named by its number before anything is signed. The page then
asks `/batch-check` about the lines that read well."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body
from pydantic import BaseModel, Field

from next_contracts.batch_csv import read_data
from next_contracts.messages import say
from next_contracts.words import speaking
from next_node.api.access import Owner
from next_node.api.batch_check import DENIED, MAX_LINES
from next_node.api.deps import LanguageDep
from next_node.api.params import AddressPath

router = APIRouter(tags=["payments"])
MAX_FILE_CHARS = 2_000_000  # within the route's body limit (bodylimit.py): 10,000 lines and more


class BatchFile(BaseModel):
    name: Annotated[str, Field(max_length=200)] = "file"
    text: Annotated[str, Field(max_length=MAX_FILE_CHARS, description="the CSV file's text, as uploaded")]


class FileLine(BaseModel):
    line: int  # in the file, the header being line 1
    to: str
    amount: int  # hundredths


class FileReading(BaseModel):
    lines: list[FileLine]
    problems: list[str]  # one per bad line, with its number; empty when the file reads well


@router.post("/accounts/{address}/batch-file", responses=DENIED)
def batch_file(
    address: AddressPath, viewer: Owner, body: Annotated[BatchFile, Body()], language: LanguageDep
) -> FileReading:
    """OWNER only. Reads a bonus file (address;amount[;name], French or English headers, `;` or `,`)
    by the CLI's rules: its lines, and every bad one named with its number (at most 10,000 lines)."""
    with speaking(language):  # each bad line in the client's language
        lines, problems = read_data(body.text.encode(), body.name)
    if len(lines) > MAX_LINES:
        problems.append(say("gateway.batch_too_long", language, name=body.name, count=len(lines), most=MAX_LINES))
    return FileReading(
        lines=[FileLine(line=line.number, to=line.address, amount=line.amount) for line in lines[:MAX_LINES]],
        problems=problems,
    )
