"""Small multi-file repositories (Python, TypeScript, Go) where a file uses a definition from another
file, plus distractor files that full-text search prefers for the lines around the cursor, so only a
definition-aware context puts the callee's definition in the prompt."""

from __future__ import annotations

from pathlib import Path

PYTHON = {
    "pkg/__init__.py": "",
    "pkg/settings.py": '''"""Settings and the storage clients built from them."""


def make_s3_client(region: str, *, retries: int = 3) -> "S3Client":
    """A storage client for `region` that retries failed uploads."""
    return S3Client(region, retries)


class S3Client:
    """Uploads objects to a bucket."""

    def __init__(self, region: str, retries: int) -> None:
        self.region = region
        self.retries = retries

    def upload_object(self, bucket: str, key: str, body: bytes) -> str:
        return f"{bucket}/{key}"
''',
    "app/__init__.py": "",
    "app/jobs.py": '''from pkg.settings import make_s3_client, S3Client
import logging

log = logging.getLogger(__name__)


def archive_reports(reports):
    for report in reports:
        log.info("archiving %s", report)


def publish(report):
    uploader = ''',
}
# Callers: what lexical search returns for the lines around the cursor (they use the names, they do not
# define them).
PYTHON.update({f"app/report_{n}.py": "from pkg.settings import make_s3_client, S3Client\n\n\n" + "".join(
    f"def publish_report_{n}_{i}(report, store: S3Client):\n    \"\"\"Publish the report.\"\"\"\n"
    f"    uploader = make_s3_client(report.region)\n    store.upload_object(uploader, report)\n"
    f"    return report\n\n\n" for i in range(4)) for n in range(3)})

TYPESCRIPT = {
    "src/util/format.ts": '''/** Formats an amount of cents as a price label. */
export function formatPrice(cents: number, currency: string): string {
  return `${(cents / 100).toFixed(2)} ${currency}`;
}
''',
    "src/cart.ts": '''import { formatPrice } from "./util/format";

export interface CartLine {
  sku: string;
  cents: number;
}

export function describeLine(line: CartLine): string {
  const label = ''',
}
TYPESCRIPT.update({f"src/lines_{n}.ts": 'import { formatPrice } from "./util/format";\n\n' + "".join(
    f"export function describeLine{n}{i}(line: CartLine): string {{\n"
    f"  const label = formatPrice(line.cents, 'EUR') + line.sku;\n  return label;\n}}\n\n"
    for i in range(4)) for n in range(3)})

GO = {
    "go.mod": "module example.com/shop\n\ngo 1.21\n",
    "money/money.go": '''package money

// Format renders an amount of cents with its currency code.
func Format(cents int64, currency string) string {
	return fmt.Sprintf("%d.%02d %s", cents/100, cents%100, currency)
}
''',
    "cart/total.go": '''package cart

// sumLines adds up the cents of every line.
func sumLines(lines []Line) int64 {
	var total int64
	for _, l := range lines {
		total += l.Cents
	}
	return total
}
''',
    "cart/cart.go": '''package cart

import "example.com/shop/money"

type Line struct {
	Sku   string
	Cents int64
}

func Describe(lines []Line) string {
	label := ''',
}
GO.update({f"cart/lines_{n}.go": "package cart\n\nimport \"example.com/shop/money\"\n\n" + "".join(
    f"func describeLines{n}{i}(lines []Line) string {{\n\tlabel := money.Format(sumLines(lines), \"EUR\")\n"
    f"\treturn label\n}}\n\n" for i in range(4)) for n in range(3)})


def write_repo(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root
