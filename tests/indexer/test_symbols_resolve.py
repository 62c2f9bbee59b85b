"""Import resolution per language family, on small multi-file repositories: `definitions(name,
from_path=...)` must answer with the definition the importing file really refers to, even when a
same-named decoy sits right next to it (nearer by path)."""

from __future__ import annotations

from pathlib import Path

import pytest

from codeassist.indexer.api import open_index
from codeassist.indexer.pipeline import index_repository
from tests.indexer.conftest import write

# (id, files, importing file, name asked for, expected (path, symbol) of the first definition)
CASES = [
    ("python-absolute", {
        "pkg/settings.py": "def make_s3_client(region):\n    return region\n",
        "app/decoy.py": "def make_s3_client():\n    pass\n",
        "app/views.py": "from pkg.settings import make_s3_client\n\nmake_s3_client('eu')\n",
    }, "app/views.py", "make_s3_client", ("pkg/settings.py", "make_s3_client")),
    ("python-alias", {
        "pkg/settings.py": "def make_s3_client(region):\n    return region\n",
        "app/decoy.py": "def mk():\n    pass\n",
        "app/views.py": "from pkg.settings import make_s3_client as mk\n",
    }, "app/views.py", "mk", ("pkg/settings.py", "make_s3_client")),
    ("python-relative", {
        "app/models.py": "class User:\n    pass\n",
        "app/api/decoy.py": "class User:\n    pass\n",
        "app/api/views.py": "from ..models import User\n",
    }, "app/api/views.py", "User", ("app/models.py", "User")),
    ("python-module-alias", {
        "pkg/settings.py": "def load():\n    pass\n",
        "app/decoy.py": "def load():\n    pass\n",
        "app/views.py": "import pkg.settings as st\nst.load()\n",
    }, "app/views.py", "st.load", ("pkg/settings.py", "load")),
    ("python-package-reexport", {
        "pkg/__init__.py": "from .core import Thing\n",
        "pkg/core.py": "class Thing:\n    pass\n",
        "app/decoy.py": "class Thing:\n    pass\n",
        "app/views.py": "from pkg import Thing\n",
    }, "app/views.py", "Thing", ("pkg/core.py", "Thing")),
    ("python-submodule", {
        "pkg/__init__.py": "",
        "pkg/settings.py": "def load():\n    pass\n",
        "app/decoy.py": "def load():\n    pass\n",
        "app/views.py": "from pkg import settings\nsettings.load()\n",
    }, "app/views.py", "settings.load", ("pkg/settings.py", "load")),
    ("python-src-layout", {
        "src/pkg/settings.py": "def load():\n    pass\n",
        "tests/decoy.py": "def load():\n    pass\n",
        "tests/test_x.py": "from pkg.settings import load\n",
    }, "tests/test_x.py", "load", ("src/pkg/settings.py", "load")),
    ("typescript-extension", {
        "src/util.ts": "export function helper(x: number): number { return x; }\n",
        "src/app/decoy.ts": "export function helper() {}\n",
        "src/app/main.ts": "import { helper as h } from '../util';\nh(1);\n",
    }, "src/app/main.ts", "h", ("src/util.ts", "helper")),
    ("javascript-index", {
        "lib/index.js": "export function helper() {}\n",
        "app/decoy.js": "function helper() {}\n",
        "app/main.js": "import { helper } from '../lib';\n",
    }, "app/main.js", "helper", ("lib/index.js", "helper")),
    ("typescript-reexport", {
        "src/shapes/index.ts": "export { Shape } from './shape';\n",
        "src/shapes/shape.ts": "export class Shape {}\n",
        "src/app/decoy.ts": "export class Shape {}\n",
        "src/app/main.ts": "import { Shape } from '../shapes';\n",
    }, "src/app/main.ts", "Shape", ("src/shapes/shape.ts", "Shape")),
    ("typescript-default", {
        "src/shape.ts": "export default class Shape {}\n",
        "src/app/decoy.ts": "export class Figure {}\n",
        "src/app/main.ts": "import Figure from '../shape';\n",
    }, "src/app/main.ts", "Figure", ("src/shape.ts", "Shape")),
    ("javascript-require", {
        "lib/util.js": "function trim(s) { return s; }\nmodule.exports = { trim };\n",
        "app/decoy.js": "function trim() {}\n",
        "app/main.js": "const util = require('../lib/util.js');\nutil.trim('x');\n",
    }, "app/main.js", "util.trim", ("lib/util.js", "trim")),
    ("go-package", {
        "internal/config/load.go": "package config\n\nfunc Load() error { return nil }\n",
        "cmd/server/decoy.go": "package main\n\nfunc Load() {}\n",
        "cmd/server/main.go": 'package main\n\nimport cfg "github.com/acme/app/internal/config"\n\nfunc main() { cfg.Load() }\n',
    }, "cmd/server/main.go", "cfg.Load", ("internal/config/load.go", "Load")),
    ("go-module-root-package", {
        "go.mod": "module github.com/acme/web\n\ngo 1.21\n",
        "context.go": "package web\n\nfunc New() *Engine { return nil }\n",
        "cmd/tool/decoy.go": "package main\n\nfunc New() {}\n",
        "cmd/tool/main.go": 'package main\n\nimport "github.com/acme/web"\n\nfunc main() { web.New() }\n',
    }, "cmd/tool/main.go", "web.New", ("context.go", "New")),
    ("go-same-package", {
        "server/a.go": "package server\n\nfunc helper() {}\n",
        "other/b.go": "package other\n\nfunc helper() {}\n",
        "server/b.go": "package server\n\nfunc run() { helper() }\n",
    }, "server/b.go", "helper", ("server/a.go", "helper")),
    ("rust-crate", {
        "src/lib.rs": "mod geometry;\n",
        "src/geometry.rs": "pub struct Vector { x: f64 }\n",
        "src/render/decoy.rs": "pub struct Vector;\n",
        "src/render/mod.rs": "use crate::geometry::Vector as Vec2;\n",
    }, "src/render/mod.rs", "Vec2", ("src/geometry.rs", "Vector")),
    ("rust-super", {
        "src/lib.rs": "",
        "src/units.rs": "pub struct Meter(f64);\n",
        "src/shapes/decoy.rs": "pub struct Meter;\n",
        "src/shapes/mod.rs": "use super::units::Meter;\n",
    }, "src/shapes/mod.rs", "Meter", ("src/units.rs", "Meter")),
    ("rust-mod", {
        "src/main.rs": "mod transform;\nfn main() { transform::apply(); }\n",
        "src/transform.rs": "pub fn apply() {}\n",
        "src/decoy.rs": "pub fn apply() {}\n",
    }, "src/main.rs", "transform::apply", ("src/transform.rs", "apply")),
    ("java-import", {
        "src/main/java/demo/core/Catalog.java": "package demo.core;\npublic class Catalog {}\n",
        "src/main/java/demo/library/Catalog.java": "package demo.library;\nclass Catalog {}\n",
        "src/main/java/demo/library/Library.java": "package demo.library;\nimport demo.core.Catalog;\nclass Library {}\n",
    }, "src/main/java/demo/library/Library.java", "Catalog", ("src/main/java/demo/core/Catalog.java", "Catalog")),
    ("kotlin-alias", {
        "src/demo/core/Clock.kt": "package demo.core\nclass Clock\n",
        "src/demo/tasks/Decoy.kt": "class Timer\n",
        "src/demo/tasks/Scheduler.kt": "package demo.tasks\nimport demo.core.Clock as Timer\n",
    }, "src/demo/tasks/Scheduler.kt", "Timer", ("src/demo/core/Clock.kt", "Clock")),
    ("scala-selector", {
        "src/demo/core/Money.scala": "package demo.core\nclass Money\n",
        "src/demo/orders/Decoy.scala": "class Money\n",
        "src/demo/orders/Order.scala": "package demo.orders\nimport demo.core.{Money => Cash}\n",
    }, "src/demo/orders/Order.scala", "Cash", ("src/demo/core/Money.scala", "Money")),
    ("csharp-namespace", {
        "Demo/Core/Clock.cs": "namespace Demo.Core { public class Clock {} }\n",
        "Demo/Home/Decoy.cs": "namespace Demo.Other { public class Clock {} }\n",
        "Demo/Home/Thermostat.cs": "using Demo.Core;\nnamespace Demo.Home { class T {} }\n",
    }, "Demo/Home/Thermostat.cs", "Clock", ("Demo/Core/Clock.cs", "Demo.Core.Clock")),
    ("c-include", {
        "include/util/log.h": "void log_line(const char *s);\n",
        "src/decoy.c": "void log_line(const char *s) {}\n",
        "src/main.c": '#include "util/log.h"\nint main(void) { log_line("x"); return 0; }\n',
    }, "src/main.c", "log_line", ("include/util/log.h", "log_line")),
    ("cpp-include-relative", {
        "src/matrix.h": "class Matrix { };\n",
        "src/app/decoy.cpp": "class Matrix { };\n",
        "src/app/main.cpp": '#include "../matrix.h"\nint main() { Matrix m; }\n',
    }, "src/app/main.cpp", "Matrix", ("src/matrix.h", "Matrix")),
    ("ruby-require-relative", {
        "lib/entry.rb": "class Entry\nend\n",
        "lib/ledger/decoy.rb": "class Entry\nend\n",
        "lib/ledger/book.rb": 'require_relative "../entry"\n',
    }, "lib/ledger/book.rb", "Entry", ("lib/entry.rb", "Entry")),
    ("ruby-require", {
        "lib/money/format.rb": "def format_money(x)\nend\n",
        "app/decoy.rb": "def format_money(x)\nend\n",
        "app/report.rb": 'require "money/format"\n',
    }, "app/report.rb", "format_money", ("lib/money/format.rb", "format_money")),
    ("php-use", {
        "src/Mail/Transport.php": "<?php\nnamespace App\\Mail;\ninterface Transport {}\n",
        "src/Http/Decoy.php": "<?php\nclass T {}\n",
        "src/Http/Client.php": "<?php\nuse App\\Mail\\Transport as T;\n",
    }, "src/Http/Client.php", "T", ("src/Mail/Transport.php", "Transport")),
    ("lua-require", {
        "app/util.lua": "local M = {}\nfunction M.trim(s) return s end\nreturn M\n",
        "game/decoy.lua": "local function trim(s) return s end\n",
        "game/main.lua": 'local util = require("app.util")\nutil.trim(" x ")\n',
    }, "game/main.lua", "util.trim", ("app/util.lua", "M.trim")),
    ("bash-source", {
        "lib/common.sh": "log() {\n  echo \"$@\"\n}\n",
        "bin/decoy.sh": "log() {\n  :\n}\n",
        "bin/deploy.sh": "source ../lib/common.sh\nlog hi\n",
    }, "bin/deploy.sh", "log", ("lib/common.sh", "log")),
]


@pytest.mark.parametrize("files,from_path,name,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_definition_is_resolved_through_the_files_imports(tmp_path: Path, files: dict[str, str], from_path: str,
                                                          name: str, expected: tuple[str, str]) -> None:
    for rel, text in files.items():
        write(tmp_path / "repo", rel, text)
    index_repository(tmp_path / "repo", tmp_path / "idx", embed=False)
    with open_index(tmp_path / "repo", tmp_path / "idx") as index:
        found = index.definitions(name, from_path=from_path)
    assert found, f"nothing found for {name!r} from {from_path}"
    assert (found[0].path, found[0].symbol) == expected


def test_imports_report_the_file_each_one_resolves_to(tmp_path: Path) -> None:
    write(tmp_path / "repo", "pkg/settings.py", "def load():\n    pass\n")
    write(tmp_path / "repo", "app/views.py", "import os\nfrom pkg.settings import load as ld\nfrom . import nothing\n")
    index_repository(tmp_path / "repo", tmp_path / "idx", embed=False)
    with open_index(tmp_path / "repo", tmp_path / "idx") as index:
        imports = index.imports("app/views.py")
    assert [(i.line, i.module, i.name, i.alias, i.resolved_path) for i in imports] == [
        (1, "os", "", "", None),
        (2, "pkg.settings", "load", "ld", "pkg/settings.py"),
        (3, ".", "nothing", "", None),
    ]


def test_unsaved_buffer_imports_override_the_stored_ones(tmp_path: Path) -> None:
    from codeassist.indexer.symbols import extract_symbols

    write(tmp_path / "repo", "a/one.py", "def run():\n    pass\n")
    write(tmp_path / "repo", "b/two.py", "def run():\n    pass\n")
    write(tmp_path / "repo", "app/main.py", "from a.one import run\n")
    index_repository(tmp_path / "repo", tmp_path / "idx", embed=False)
    buffer = b"from b.two import run\nrun()\n"  # edited, not saved
    imports = extract_symbols(buffer, "python", "app/main.py").imports
    with open_index(tmp_path / "repo", tmp_path / "idx") as index:
        assert index.definitions("run", from_path="app/main.py")[0].path == "a/one.py"
        assert index.definitions("run", from_path="app/main.py", imports=imports)[0].path == "b/two.py"
        nameless = extract_symbols(buffer, "python").imports  # parsed without a path
        assert index.definitions("run", from_path="./app/main.py", imports=nameless)[0].path == "b/two.py"
