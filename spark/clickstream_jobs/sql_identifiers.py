"""Spark SQL's quoting, the one place the jobs put a name or a text into a statement: the Python
copy of src/sql/quote.ts, with Spark's quotes. test/fixtures/identifier-corpus.json holds both to
one identifier rule.

- An identifier (catalog, database, table, column) is a Glue-style lowercase name, checked as in
  quote.ts, in backticks: Spark's delimited identifier
  (https://spark.apache.org/docs/latest/sql-ref-identifier.html).
- A string literal escapes `\\` and `'` with a backslash
  (https://spark.apache.org/docs/latest/sql-ref-literals.html: "Use \\ to escape special
  characters (e.g., ' or \\)"). Doubling the quote, as Trino's literals do, is wrong here: Spark
  joins adjacent literals, so 'it''s' reads as `its`.
- A branch or tag name is an identifier in Iceberg's SQL extensions, backticks and all
  (https://iceberg.apache.org/docs/latest/spark-ddl/#branching-and-tagging-ddl:
  ALTER TABLE prod.db.sample CREATE BRANCH `audit-branch`). Audit branches, `audit_<run id>`
  (branches.py), have capitals and hyphens, so a ref has a rule of its own: `quote_ref`.
- An Iceberg procedure takes its table as a string
  (https://iceberg.apache.org/docs/latest/spark-procedures/: `table` is a string, table => 'db.sample')
  that Iceberg reads as a Spark multipart identifier (Spark3Util.catalogAndIdentifier calls the
  session parser's parseMultipartIdentifier): the quoted name inside a string literal, `procedure_table`.
"""
import re

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
_REF = re.compile(r"[A-Za-z0-9_-]+")


def check_identifier(name: str) -> str:
    """`name`, if it is a valid table, column or database name (the rule of src/sql/quote.ts)."""
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f'"{name}" is not a valid table, column or database name; use lowercase letters, digits and underscores.')
    return name


def quote_identifier(name: str) -> str:
    """A quoted identifier; names come from the KPI contracts or validated arguments."""
    return f"`{check_identifier(name)}`"


def qualified_name(*parts: str) -> str:
    """A dotted name, each part a quoted identifier: `glue`.`analytics`.`sensor_health`."""
    if not parts:
        raise ValueError("a qualified name needs at least one part")
    return ".".join(quote_identifier(part) for part in parts)


def quote_string(text: str) -> str:
    """A Spark SQL string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def quote_ref(name: str) -> str:
    """A quoted branch or tag name for Iceberg's ALTER TABLE ... BRANCH/TAG statements."""
    if not _REF.fullmatch(name):
        raise ValueError(
            f'"{name}" is not a branch or tag name the jobs write; use letters, digits, underscores and hyphens '
            "(an audit branch is audit_<run id>)."
        )
    return f"`{name}`"


def procedure_table(database: str, table: str) -> str:
    """The `table` argument of an Iceberg procedure in the session's catalog: '`db`.`table`'."""
    return quote_string(qualified_name(database, table))
