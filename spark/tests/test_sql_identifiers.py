"""Spark SQL's quoting (clickstream_jobs/sql_identifiers.py): the shared identifier corpus
(test/fixtures/identifier-corpus.json, also judged by src/sql/quote.ts), and what Spark's own
parser reads back from each quoted form."""
import json
from pathlib import Path

import pytest

from clickstream_jobs.branches import audit_branch, run_id_of_branch
from clickstream_jobs.sql_identifiers import (
    check_identifier,
    procedure_table,
    qualified_name,
    quote_identifier,
    quote_ref,
    quote_string,
)

CORPUS = json.loads((Path(__file__).resolve().parents[2] / "test" / "fixtures" / "identifier-corpus.json").read_text())
ACCEPTED = [(c["name"], c["backticked"]) for c in CORPUS["accepted"]]
REFUSED = [c["name"] for c in CORPUS["refused"]]

# Every shape of run id the code makes: newRunId (src/kpis/run-ledger.ts), the jobs' own default
# (arguments.py), an EMR run's (src/emr/run-inputs.ts kpiRunIdFor), a --run-id, the longest one.
RUN_IDS = ["run_20260301T120000_ab12cd", "run_20260301T120000_0123abcd", "run_9876543210_2", "r-1", "R" * 64]
TEXTS = ["it's", "a\\b", "a\\'b", "''", "\\", "'); DROP TABLE t; --", "line\nbreak", "`x`", '"y"', "día", ""]


def parse_identifier(spark, text):
    """The name parts Spark's session parser reads from `text`: how it reads a table name."""
    parts = spark._jsparkSession.sessionState().sqlParser().parseMultipartIdentifier(text)
    return [parts.apply(i) for i in range(parts.length())]


@pytest.mark.parametrize("name, quoted", ACCEPTED, ids=[n for n, _ in ACCEPTED])
def test_an_accepted_name_is_backticked(name, quoted):
    assert check_identifier(name) == name
    assert quote_identifier(name) == quoted


@pytest.mark.parametrize("name", REFUSED, ids=[repr(n) for n in REFUSED])
def test_a_refused_name_says_what_to_use(name):
    with pytest.raises(ValueError) as refused:
        quote_identifier(name)
    assert str(refused.value) == f'"{name}" is not a valid table, column or database name; {CORPUS["refusal"]}.'


def test_a_qualified_name_is_quoted_part_by_part():
    assert qualified_name("glue", "analytics", "sensor_health") == "`glue`.`analytics`.`sensor_health`"
    with pytest.raises(ValueError, match='"a.b" is not a valid'):
        qualified_name("glue", "a.b")
    with pytest.raises(ValueError, match="at least one part"):
        qualified_name()


def test_spark_reads_every_accepted_name_back_from_its_quoted_form(spark):
    for name, _ in ACCEPTED:
        assert parse_identifier(spark, qualified_name("glue", name, name)) == ["glue", name, name]


@pytest.mark.parametrize("text", TEXTS, ids=[repr(t) for t in TEXTS])
def test_spark_reads_a_string_literal_back_as_the_text(spark, text):
    assert spark.sql(f"SELECT {quote_string(text)} AS v").first().v == text


def test_doubling_the_quote_is_not_spark_s_escape(spark):
    """Why quote_string differs from quote.ts: Spark joins adjacent literals."""
    assert spark.sql("SELECT 'it''s' AS v").first().v == "its"
    assert quote_string("it's") == "'it\\'s'"


def test_a_procedure_table_is_the_quoted_name_in_a_string_literal(spark):
    literal = procedure_table("analytics", "_kpi_runs")
    assert literal == "'`analytics`.`_kpi_runs`'"
    assert parse_identifier(spark, spark.sql(f"SELECT {literal} AS v").first().v) == ["analytics", "_kpi_runs"]
    with pytest.raises(ValueError, match="is not a valid"):
        procedure_table("analytics", "x'; --")


@pytest.mark.parametrize("run_id", RUN_IDS)
def test_every_audit_branch_the_code_names_is_a_ref(spark, run_id):
    """Not an identifier: most have capitals (the T of a time) or hyphens; the corpus refuses one."""
    branch = audit_branch(run_id)
    assert run_id_of_branch(branch) == run_id
    assert quote_ref(branch) == f"`{branch}`"
    assert parse_identifier(spark, quote_ref(branch)) == [branch]


@pytest.mark.parametrize("name", ["", "a b", "a`b", "a.b", "x'y", "audit_é"])
def test_a_ref_outside_the_run_id_alphabet_is_refused(name):
    with pytest.raises(ValueError, match="use letters, digits, underscores and hyphens"):
        quote_ref(name)


def test_only_audit_branches_name_a_run():
    assert run_id_of_branch("main") is None
    assert run_id_of_branch("audit_") is None
    assert run_id_of_branch("audit_x.y") is None
    assert run_id_of_branch("audit_" + "r" * 65) is None
