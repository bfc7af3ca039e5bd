"""Path and query parameters that several routes share, declared once."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

ADDRESS = r"^0x[0-9a-fA-F]{40}$"
AddressPath = Annotated[str, Path(pattern=ADDRESS, description="an account address, 0x and 40 hex digits")]
Limit = Annotated[int, Query(ge=1, le=200, description="items per page (1 to 200)")]
# Pages by address (directories) or by row id (histories): the next_cursor of the previous page.
AddressCursor = Annotated[str | None, Query(pattern=ADDRESS, description="next_cursor of the previous page")]
IdCursor = Annotated[str | None, Query(pattern=r"^[1-9][0-9]{0,17}$", description="next_cursor of the previous page")]
