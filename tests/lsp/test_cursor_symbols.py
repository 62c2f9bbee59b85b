"""Which names matter at the cursor (pure): the callee being typed, the annotated type of a receiver,
and, at the start of a new line, the imported names ranked by use and by the words around the cursor."""

from __future__ import annotations

import pytest

from codeassist.indexer.symbols import Import
from codeassist.lsp.cursor_symbols import annotated_type, callee_at, wanted_names
from codeassist.lsp.definition_context import import_lines


@pytest.mark.parametrize(("line_prefix", "callee"), [
    ("    client = make_s3_client(", "make_s3_client"),
    ("    x = settings.make_client(region, ", "settings.make_client"),
    ("    total = add(price(item), ", "add"),
    ("\tlabel := money.Format(", "money.Format"),
    ("  const p = new QueryObserver<T>(", "QueryObserver"),
    ("    x = compute(a)", ""),
    ("    x = [a, ", ""),
])
def test_the_callee_of_the_open_call(line_prefix, callee):
    assert callee_at(line_prefix) == callee


@pytest.mark.parametrize(("name", "texts", "kind"), [
    ("store", ["def publish(report, store: S3Client):"], "S3Client"),
    ("store", ["func Publish(store *S3Client, n int) error {"], "S3Client"),
    ("store", ["function publish(store: S3Client, n: number) {"], "S3Client"),
    ("store", ["def publish(report):", "    store = S3Client(region)"], "S3Client"),
    ("store", ["def publish(report, store):"], ""),
])
def test_the_type_an_annotation_gives_a_receiver(name, texts, kind):
    assert annotated_type(name, texts) == kind


def imports(*names: str, module: str = "pkg.settings") -> list[Import]:
    return [Import("app/jobs.py", 1, module, name, "") for name in names]


def test_at_the_start_of_a_line_the_imported_name_used_most_and_named_by_the_comment_comes_first():
    lines = ["from pkg.settings import make_s3_client, load_config, Region", "",
             "def upload_all(files):", "    client = make_s3_client(Region.EU)", "    for f in files:",
             "        client.put(f)", "", "", "def backup(files):", "    # a storage client for the backup",
             "    x = "]
    wanted = wanted_names(lines=lines, line=10, line_prefix="    x = ", signature="def backup(files):",
                          intent="# a storage client for the backup",
                          imports=imports("make_s3_client", "load_config", "Region"), local_names={"upload_all"})
    names = [w.name for w in wanted]
    assert names.index("make_s3_client") < names.index("load_config")
    assert "upload_all" not in names  # defined in this file: nothing to resolve


def test_the_callee_outranks_everything_else():
    lines = ["from pkg.settings import make_s3_client, load_config", "", "def f():", "    load_config()",
             "    c = make_s3_client("]
    wanted = wanted_names(lines=lines, line=4, line_prefix="    c = make_s3_client(", signature="def f():",
                          intent="", imports=imports("make_s3_client", "load_config"), local_names={"f"})
    assert (wanted[0].name, wanted[0].reason) == ("make_s3_client", "callee")


def test_import_statements_are_cut_out_whole_for_a_cheap_parse():
    python = 'import os\nfrom pkg.settings import (\n    make_s3_client,\n    Region,\n)\n\ndef f():\n    import json\n'
    assert import_lines(python) == "import os\nfrom pkg.settings import (\nmake_s3_client,\nRegion,\n)\nimport json"
    go = 'package cart\n\nimport (\n\t"fmt"\n\tm "example.com/shop/money"\n)\n\nfunc F() {}\n'
    assert import_lines(go) == 'package cart\nimport (\n"fmt"\nm "example.com/shop/money"\n)'
    ts = 'import {\n  a,\n  b,\n} from "./x";\nconst q = 1;\n'
    assert import_lines(ts) == 'import {\na,\nb,\n} from "./x";'
