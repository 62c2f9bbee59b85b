"""The eight kinds of secret that reached the model before whole-file redaction (issue 16, item 10), as
files of a small repository. Values are seeded random strings shaped like the real thing, never real keys.

Each case: `kind` (the test id), `path`, `text`, `values` (what must never leave the machine; for a key
block, every line of key material), `question` (retrieves the file's chunks lexically in `codeassist ask`)
and `inside` (a 0-based line inside the secret: where an explain range starts or the cursor sits).
"""

from __future__ import annotations

import base64
import random
import string
from dataclasses import dataclass
from pathlib import Path

ALNUM = string.ascii_letters + string.digits


@dataclass(frozen=True)
class Case:
    kind: str
    path: str
    text: str
    values: tuple[str, ...]
    question: str
    inside: int  # 0-based line inside the secret

    def leaked(self, sent: str) -> list[str]:
        """The values (or any 12-character piece of one) that occur in `sent`."""
        return [v for v in self.values if any(v[i:i + 12] in sent for i in range(0, max(1, len(v) - 11), 3))]


def _rand(rng: random.Random, n: int, alphabet: str = ALNUM) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _b64(rng: random.Random, nbytes: int) -> str:
    return base64.b64encode(bytes(rng.getrandbits(8) for _ in range(nbytes))).decode()


def _key_lines(rng: random.Random, lines: int, width: int) -> list[str]:
    body = _b64(rng, lines * width)
    return [body[i:i + width] for i in range(0, lines * width, width)]


def _functions(prefix: str, count: int) -> str:
    return "".join(f"\n\ndef {prefix}_{i}(value: int) -> int:\n    \"\"\"Step {i} of the {prefix} pipeline.\"\"\"\n"
                   f"    return value * {i + 2} + {i}\n" for i in range(count))


def build_cases(seed: int = 16) -> list[Case]:
    rng = random.Random(seed)
    cases = []

    key = _b64(rng, 64)
    cases.append(Case("azure_storage_account_key", "app/blob_store.py",
                      'STORAGE_CONNECTION = "DefaultEndpointsProtocol=https;AccountName=invoices;'
                      f'AccountKey={key};EndpointSuffix=core.windows.net"\n' + _functions("blob", 2),
                      (key,), "where is the blob STORAGE_CONNECTION AccountName invoices", 0))

    key = _b64(rng, 32)
    cases.append(Case("azure_shared_access_key", "app/order_bus.py",
                      f'BUS = "Endpoint=sb://orders.servicebus.windows.net/;SharedAccessKeyName=send;'
                      f'SharedAccessKey={key}"\n' + _functions("bus", 2),
                      (key,), "which Endpoint does the orders servicebus BUS use", 0))

    seed_value = _rand(rng, 40)
    cases.append(Case("env_line_neutral_name", "scripts/worker_env.sh",
                      "#!/bin/sh\n# worker runtime settings\nexport LOG_LEVEL=info\n"
                      f"SIGNING_SEED={seed_value}\nexec python -m worker --queue invoices\n",
                      (seed_value,), "which queue does the worker runtime exec with LOG_LEVEL", 3))

    seed_value = _rand(rng, 32)
    cases.append(Case("yaml_line_neutral_name", "deploy/worker_values.yaml",
                      f"worker:\n  replicas: 2\n  signing_seed: {seed_value}\n  queue: invoices\n",
                      (seed_value,), "how many worker replicas and which queue", 2))

    secret = _b64(rng, 30)
    cases.append(Case("aws_secret_key_in_comment", "app/report_upload.py",
                      "import boto3\n\n# rotated on 2024-03-02 by ops; the new aws secret is\n"
                      f"# {secret}\nREPORT_BUCKET = \"reports-eu\"\n" + _functions("upload", 2),
                      (secret,), "which REPORT_BUCKET does the upload use boto3", 3))

    key_id = _rand(rng, 40, "0123456789abcdef")
    cases.append(Case("gcp_private_key_id", "deploy/billing_account.json",
                      '{\n  "type": "service_account",\n  "project_id": "billing-prod",\n'
                      f'  "private_key_id": "{key_id}",\n'
                      '  "client_email": "svc@billing-prod.iam.gserviceaccount.com",\n  "client_id": "1234"\n}\n',
                      (key_id,), "which service_account client_email does billing-prod use", 3))

    lines = _key_lines(rng, 25, 64)
    text = ('"""Service-to-service signing."""\n\nimport hmac\n' + _functions("sign", 3) +
            '\n\nSIGNING_KEY_PEM = """-----BEGIN RSA PRIVATE KEY-----\n' + "\n".join(lines) +
            '\n-----END RSA PRIVATE KEY-----"""\n' + _functions("verify", 3))
    begin = text.split("\n").index('SIGNING_KEY_PEM = """-----BEGIN RSA PRIVATE KEY-----')
    cases.append(Case("rsa_key_longer_than_a_chunk", "app/service_signing.py", text, tuple(lines),
                      "where is the RSA PRIVATE KEY END of SIGNING_KEY_PEM used by verify", begin + 14))

    lines = _key_lines(rng, 20, 70)
    text = ("deploy:\n  host: build.internal\n  user: ci\n  ssh_key: |\n"
            "    -----BEGIN OPENSSH PRIVATE KEY-----\n" + "\n".join("    " + line for line in lines) +
            "\n    -----END OPENSSH PRIVATE KEY-----\n  retries: 3\n")
    cases.append(Case("openssh_key_range_starting_inside", "deploy/ci_deploy.yaml", text, tuple(lines),
                      "which host and user does the deploy ssh_key OPENSSH PRIVATE KEY use", 10))
    return cases


CASES = build_cases()


def write_repo(root: Path, cases: list[Case] = CASES) -> Path:
    """The cases as files under `root` (plus one ordinary file), returned for chaining."""
    for case in cases:
        target = root / case.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(case.text, encoding="utf-8")
    (root / "app").mkdir(parents=True, exist_ok=True)
    (root / "app" / "orders.py").write_text("def total(items):\n    return sum(i.price for i in items)\n")
    return root
