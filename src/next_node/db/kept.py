"""What the gateway keeps that the chain does not hold: the members' profiles (a name, and for a
business or a council its town, categories, description and hours), each as its member signed it;
and the words of references too long for the chain's 32 bytes, which it holds as their hash.

These tables have their own metadata, apart from the index's: an index is rebuilt from the chain
whenever its schema changes (schema.py drops every index table), and nothing here could be read
from the chain again. They change only by adding columns that have defaults.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Index, MetaData, String, Table, Text
from sqlalchemy.engine import Connection

KEPT = MetaData()

PROFILES = Table(
    "profiles",
    KEPT,
    Column("address", String(42), primary_key=True),  # lowercase
    Column("name", String(80), nullable=False),
    Column("town", String(80), nullable=False, default=""),
    Column("categories", String(250), nullable=False, default=""),  # lowercase words, comma-separated
    Column("description", String(500), nullable=False, default=""),
    Column("hours", String(200), nullable=False, default=""),
    Column("public", Boolean, nullable=False, default=False),  # an individual's name shown to everyone
    Column("signed_at", BigInteger, nullable=False),  # the member's own time in its message
    Column("message", Text, nullable=False),  # what the member signed (profile_words.message)
    Column("signature", String(132), nullable=False),
    Column("hidden_by", String(42), nullable=True),  # the registrar who hid it as abusive, if one did
    Column("hidden_reason", String(200), nullable=True),
    Index("ix_profiles_town", "town"),
)


# A reference of more than 32 bytes goes on-chain as its keccak256 (next_contracts.vocabulary.reference):
# its words, given by a member who used it, kept under that hash. Only a text whose hash it is can
# be kept there, so a row is never anything but the reference's own words.
REFERENCE_WORDS = Table(
    "reference_words",
    KEPT,
    Column("ref", String(66), primary_key=True),  # 0x + the text's keccak256, lowercase
    Column("text", String(200), nullable=False),
    Column("kept_at", BigInteger, nullable=False),
)


def create_kept(connection: Connection) -> None:
    """Creates the kept tables that are missing; never drops one."""
    KEPT.create_all(connection)
