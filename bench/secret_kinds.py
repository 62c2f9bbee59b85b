"""The planted secrets of `bench/secrets.py`: 50+ kinds, each a file of a small repository.

Every kind is `(name, path, build)`; `build(rng)` returns the file's text and the secret values planted
in it (the strings that must never reach a model; for a key block, each line of key material). Values
are random (seeded), shaped like the real thing, and never real credentials.
"""

from __future__ import annotations

import base64
import json
import random
import string
from collections.abc import Callable

ALNUM = string.ascii_letters + string.digits
HEXDIGITS = "0123456789abcdef"
Built = tuple[str, list[str]]


def rand(rng: random.Random, n: int, alphabet: str = ALNUM) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def b64(rng: random.Random, nbytes: int) -> str:
    return base64.b64encode(bytes(rng.getrandbits(8) for _ in range(nbytes))).decode()


def pem(rng: random.Random, label: str, nbytes: int, width: int = 64) -> tuple[str, list[str]]:
    body = b64(rng, nbytes)
    lines = [body[i:i + width] for i in range(0, len(body), width)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----", lines


CODE_BEFORE = '''import os
import logging

log = logging.getLogger(__name__)


def connect(host: str, port: int = 5432) -> dict:
    """Open a connection to the service and return its settings."""
    log.info("connecting to %s:%d", host, port)
    return {"host": host, "port": port, "timeout": 30}
'''
CODE_AFTER = '''

def retry(times: int = 3) -> int:
    """How many attempts a request gets before it fails."""
    return max(1, times)
'''


def py(line_block: str) -> str:
    return CODE_BEFORE + "\n\n" + line_block + "\n" + CODE_AFTER


def _simple(template: str, make: Callable[[random.Random], str], wrap: Callable[[str], str] = py):
    def build(rng: random.Random) -> Built:
        value = make(rng)
        return wrap(template.format(v=value)), [value]
    return build


def _gcp_service_account(rng: random.Random) -> Built:
    key, lines = pem(rng, "PRIVATE KEY", 600)  # a 2048-bit key makes a line the indexer skips as minified
    key_id = rand(rng, 40, HEXDIGITS)
    data = {"type": "service_account", "project_id": "billing-prod-2231", "private_key_id": key_id,
            "private_key": key + "\n", "client_email": "svc@billing-prod-2231.iam.gserviceaccount.com",
            "client_id": "1" + rand(rng, 20, string.digits), "token_uri": "https://oauth2.googleapis.com/token"}
    return json.dumps(data, indent=2) + "\n", [key_id, *lines]


def _key_in_python(label: str, nbytes: int, width: int = 64) -> Callable[[random.Random], Built]:
    def build(rng: random.Random) -> Built:
        key, lines = pem(rng, label, nbytes, width)
        return py(f'SIGNING_KEY = """{key}"""\n\n\ndef load_key() -> str:\n    return SIGNING_KEY\n'), lines
    return build


def _key_in_yaml(rng: random.Random) -> Built:
    key, lines = pem(rng, "OPENSSH PRIVATE KEY", 1500, 70)
    body = "\n".join("    " + line for line in key.split("\n"))
    text = ("deploy:\n  host: build.internal\n  user: ci\n  ssh_key: |\n" + body +
            "\n  known_hosts: build.internal ssh-ed25519 AAAAC3NzaC1lZDI1NTE5\n  retries: 3\n")
    return text, lines


def _key_in_ts(rng: random.Random) -> Built:
    key, lines = pem(rng, "EC PRIVATE KEY", 121)
    joined = " +\n".join(f'  "{line}\\n"' for line in key.split("\n"))
    return ("import { createSign } from 'crypto';\n\nconst KEY =\n" + joined +
            ";\n\nexport function sign(data: string): string {\n  const s = createSign('SHA256');\n"
            "  s.update(data);\n  return s.sign(KEY, 'base64');\n}\n"), lines


def _pgp(rng: random.Random) -> Built:
    key, lines = pem(rng, "PGP PRIVATE KEY BLOCK", 900)
    key = key.replace("-----\n", "-----\nVersion: GnuPG v2\n\n", 1)
    return "# Release signing key (fixture)\n\n" + key + "\n\nUse `gpg --import` to load it.\n", lines


def _azure_conn(rng: random.Random) -> Built:
    key = b64(rng, 64)
    return py(f'STORAGE = "DefaultEndpointsProtocol=https;AccountName=billingdata;AccountKey={key};'
              f'EndpointSuffix=core.windows.net"\n'), [key]


def _azure_sas(rng: random.Random) -> Built:
    sig = b64(rng, 32).replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
    return py(f'BLOB_URL = "https://acct.blob.core.windows.net/c/report.csv?sv=2022-11-02&ss=b&srt=o'
              f'&sp=r&se=2031-01-01T00:00:00Z&sig={sig}"\n'), [sig]


def _servicebus(rng: random.Random) -> Built:
    key = b64(rng, 32)
    return py(f'BUS = "Endpoint=sb://orders.servicebus.windows.net/;SharedAccessKeyName=send;'
              f'SharedAccessKey={key}"\n'), [key]


def _sqlserver(rng: random.Random) -> Built:
    pw = rand(rng, 14)
    return ('{\n  "ConnectionStrings": {\n    "Main": "Server=tcp:db.internal,1433;Database=orders;User ID=app;'
            f'Password={pw};Encrypt=true"\n  }}\n}}\n'), [pw]


def _env_lines(rng: random.Random) -> Built:
    seed = rand(rng, 40)
    return ("#!/bin/sh\n# runtime settings for the worker\nexport LOG_LEVEL=info\n"
            f"SIGNING_SEED={seed}\nexec python -m worker\n"), [seed]


def _aws_credentials_ini(rng: random.Random) -> Built:
    key_id, secret = "AKIA" + rand(rng, 16, string.ascii_uppercase + string.digits), b64(rng, 30)
    return (f"[default]\nregion = eu-west-1\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n",
            [key_id, secret])


def _dockerfile(rng: random.Random) -> Built:
    token = rand(rng, 32)
    return (f"FROM python:3.12-slim\nWORKDIR /app\nENV API_TOKEN={token}\nCOPY . .\n"
            'CMD ["python", "-m", "app"]\n'), [token]


def _k8s_secret(rng: random.Random) -> Built:
    pw = base64.b64encode(rand(rng, 18).encode()).decode()
    return ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\ndata:\n"
            f"  password: {pw}\n  username: YXBw\n"), [pw]


def _markdown_curl(rng: random.Random) -> Built:
    token = rand(rng, 40)
    return ("# Calling the API\n\nExample:\n\n```sh\ncurl -H \"Authorization: Bearer " + token +
            "\" https://api.example.com/v1/items\n```\n"), [token]


def _basic_auth(rng: random.Random) -> Built:
    cred = base64.b64encode(f"svc:{rand(rng, 16)}".encode()).decode()
    return py(f'HEADERS = {{"Authorization": "Basic {cred}"}}\n'), [cred]


def _jwt(rng: random.Random) -> Built:
    head = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")
    body = base64.urlsafe_b64encode(json.dumps({"sub": rand(rng, 8), "iat": 1700000000}).encode()).decode().rstrip("=")
    sig = rand(rng, 43, ALNUM + "-_")
    token = f"{head}.{body}.{sig}"
    return py(f'TEST_TOKEN = "{token}"\n'), [sig]


def _slack_webhook(rng: random.Random) -> Built:
    path = f"T{rand(rng, 8, string.ascii_uppercase + string.digits)}/B{rand(rng, 8, string.ascii_uppercase)}/{rand(rng, 24)}"
    return py(f'WEBHOOK = "https://hooks.slack.com/services/{path}"\n'), [path.split("/")[-1]]


def _url(scheme: str, port: int) -> Callable[[random.Random], Built]:
    def build(rng: random.Random) -> Built:
        pw = rand(rng, 16)
        return py(f'DATABASE_URL = "{scheme}://app:{pw}@db.internal:{port}/main"\n'), [pw]
    return build


def _token(prefix: str, n: int, alphabet: str = ALNUM, template: str = 'CLIENT = make_client("{v}")\n',
           suffix: str = "") -> Callable[[random.Random], Built]:
    def build(rng: random.Random) -> Built:
        value = prefix + rand(rng, n, alphabet) + suffix
        return py(template.format(v=value)), [value]
    return build


def _neutral_quoted(rng: random.Random) -> Built:
    value = rand(rng, 32)
    return json.dumps({"service": "billing", "seed": value, "replicas": 3}, indent=2) + "\n", [value]


def _comment_aws(rng: random.Random) -> Built:
    secret = b64(rng, 30)
    return py(f"# rotated on 2024-03-02, new secret: {secret}\nBUCKET = \"reports-eu\"\n"), [secret]


def _azure_client_secret(rng: random.Random) -> Built:
    value = rand(rng, 3) + "8Q~" + rand(rng, 34, ALNUM + "_~.-")
    return py(f'CLIENT_SECRET_VALUE = make("{value}")\n'), [value]


def _sendgrid(rng: random.Random) -> Built:
    value = f"SG.{rand(rng, 22, ALNUM + '-_')}.{rand(rng, 43, ALNUM + '-_')}"
    return py(f'MAIL = Client("{value}")\n'), [value]


def _telegram(rng: random.Random) -> Built:
    value = f"{rand(rng, 10, string.digits)}:AA{rand(rng, 33, ALNUM + '-_')}"
    return py(f'BOT = Bot("{value}")\n'), [value]


KINDS: list[tuple[str, str, Callable[[random.Random], Built]]] = [
    ("aws-access-key-id", "app/aws_client.py", _token("AKIA", 16, string.ascii_uppercase + string.digits)),
    ("aws-secret-key-ini", "deploy/aws.ini", _aws_credentials_ini),
    ("aws-secret-key-in-comment", "app/storage.py", _comment_aws),
    ("gcp-service-account-json", "deploy/billing_service.json", _gcp_service_account),
    ("gcp-api-key", "web/maps.py", _token("AIza", 35, ALNUM + "-_")),
    ("gcp-oauth-client-secret", "app/oauth.py", _token("GOCSPX-", 28, ALNUM + "-_")),
    ("azure-storage-connection-string", "app/blob.py", _azure_conn),
    ("azure-sas-url", "app/report.py", _azure_sas),
    ("azure-servicebus-connection-string", "app/bus.py", _servicebus),
    ("azure-client-secret", "app/graph.py", _azure_client_secret),
    ("sqlserver-connection-string", "deploy/appsettings.json", _sqlserver),
    ("github-classic-token", "app/gh.py", _token("ghp_", 36)),
    ("github-fine-grained-token", "app/gh2.py", _token("github_pat_11", 70, ALNUM + "_")),
    ("gitlab-token", "app/gl.py", _token("glpat-", 20, ALNUM + "-_")),
    ("slack-bot-token", "app/slack.py", _token("xoxb-", 50, string.digits + "-" + ALNUM)),
    ("slack-webhook", "app/notify.py", _slack_webhook),
    ("stripe-secret-key", "app/pay.py", _token("sk_live_", 24)),
    ("stripe-webhook-secret", "app/pay_hook.py", _token("whsec_", 32)),
    ("twilio-api-key", "app/sms.py", _token("SK", 32, HEXDIGITS)),
    ("sendgrid-key", "app/mail.py", _sendgrid),
    ("npm-token", "web/publish.ts", _token("npm_", 36, template='export const client = makeClient("{v}");\n')),
    ("pypi-token", "scripts/release.py", _token("pypi-AgEIcHlwaS5vcmc", 60, ALNUM + "-_")),
    ("openai-key", "app/llm.py", _token("sk-proj-", 48, ALNUM + "-_")),
    ("anthropic-key", "app/claude.py", _token("sk-ant-api03-", 80, ALNUM + "-_")),
    ("huggingface-token", "app/hf.py", _token("hf_", 34)),
    ("shopify-token", "app/shop.py", _token("shpat_", 32, HEXDIGITS)),
    ("digitalocean-token", "app/droplets.py", _token("dop_v1_", 64, HEXDIGITS)),
    ("vault-token", "app/vault.py", _token("hvs.", 90, ALNUM + "_-")),
    ("mailgun-key", "app/mailgun.py", _token("key-", 32, HEXDIGITS)),
    ("databricks-token", "app/spark.py", _token("dapi", 32, HEXDIGITS)),
    ("telegram-bot-token", "app/bot.py", _telegram),
    ("age-secret-key", "deploy/age.py", _token("AGE-SECRET-KEY-1", 58, string.ascii_uppercase + string.digits)),
    ("jwt", "app/auth.py", _jwt),
    ("basic-auth-header", "app/http.py", _basic_auth),
    ("bearer-token-in-markdown", "docs/api.md", _markdown_curl),
    ("rsa-private-key-multichunk", "app/signing.py", _key_in_python("RSA PRIVATE KEY", 1800)),
    ("pkcs8-private-key", "app/jwt_keys.py", _key_in_python("PRIVATE KEY", 640)),
    ("encrypted-private-key", "app/legacy.py", _key_in_python("ENCRYPTED PRIVATE KEY", 700)),
    ("openssh-private-key-yaml", "deploy/ci.yaml", _key_in_yaml),
    ("ec-private-key-ts-concat", "web/sign.ts", _key_in_ts),
    ("pgp-private-key-block", "docs/release_key.md", _pgp),
    ("postgres-url", "app/db.py", _url("postgresql", 5432)),
    ("mongodb-srv-url", "app/mongo.py", _url("mongodb+srv", 27017)),
    ("redis-url", "app/cache.py", _url("redis", 6379)),
    ("amqp-url", "app/queue.py", _url("amqp", 5672)),
    ("env-neutral-name", "scripts/worker.sh", _env_lines),
    ("env-neutral-name-hex", "scripts/session.sh",
     _simple("SESSION_SEED={v}\n", lambda r: rand(r, 64, HEXDIGITS), lambda b: "#!/bin/sh\n" + b + "run\n")),
    ("yaml-neutral-name", "deploy/values.yaml",
     _simple("  signing_seed: {v}\n", lambda r: rand(r, 32), lambda b: "app:\n  replicas: 2\n" + b)),
    ("json-neutral-name-quoted", "deploy/service.json", _neutral_quoted),
    ("toml-client-secret", "deploy/settings.toml",
     _simple('client_secret = "{v}"\n', lambda r: rand(r, 24), lambda b: "[oauth]\nclient_id = \"web\"\n" + b)),
    ("ini-password", "deploy/db.ini",
     _simple("password = {v}\n", lambda r: rand(r, 12), lambda b: "[database]\nhost = db\n" + b)),
    ("python-password-assign", "app/admin.py", _simple('ADMIN_PASSWORD = "{v}"\n', lambda r: rand(r, 14))),
    ("ts-token-const", "web/api.ts",
     _simple('const token = "{v}";\n', lambda r: rand(r, 30), lambda b: b + "export default token;\n")),
    ("go-secret-const", "pkg/auth.go",
     _simple('const signingSecret = "{v}"\n', lambda r: rand(r, 32), lambda b: "package auth\n\n" + b)),
    ("hex-encryption-key", "app/crypto.py", _simple('ENCRYPTION_KEY = "{v}"\n', lambda r: rand(r, 64, HEXDIGITS))),
    ("base64-blob-neutral-name", "app/fixtures.py", _simple('BLOB = "{v}"\n', lambda r: b64(r, 33))),
    ("dockerfile-env-token", "deploy/Dockerfile", _dockerfile),
    ("k8s-secret-data", "deploy/secret-db.yaml", _k8s_secret),
]
