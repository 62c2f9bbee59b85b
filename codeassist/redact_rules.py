"""The patterns behind `codeassist.redact`: what a secret looks like, as data plus a few predicates.

Kept apart from the engine so the list can grow (provider token shapes change every year) without the
engine's line-keeping logic moving. Every pattern here matches within one line, except key blocks, which
`key_block_spans` finds from either end (a text cut from inside a block has only one of them, or neither:
then its lines are caught as high-entropy tokens).
"""

from __future__ import annotations

import math
import re
from collections import Counter

# -- private key blocks ----------------------------------------------------------------------------------
KEY_BEGIN = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")
KEY_END = re.compile(r"-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")
# One line of key material as it appears in files: bare, indented, quoted, in a comment, in a string
# concatenation, with an escaped newline; or a PEM header (Proc-Type, DEK-Info, Comment).
_KEY_LINE = re.compile(
    r"[ \t\"'`#/*+,;(\[]*(?:[A-Za-z0-9+/]{2,}={0,2}|[A-Za-z][\w-]*: [^\n]*)(?:\\n)?[ \t\"'`,;+)\]\\]*"
)


def _walk(text: str, pos: int, step: int) -> int:
    """From the line boundary `pos`, extend over key-material lines up (step -1) or down (step 1)."""
    while True:
        if step < 0:
            if pos <= 0:
                return 0
            start = text.rfind("\n", 0, pos - 1) + 1
            line, nxt = text[start:pos - 1], start
        else:
            if pos >= len(text):
                return len(text)
            end = text.find("\n", pos)
            end = len(text) if end < 0 else end
            line, nxt = text[pos:end], end + 1
        if not _KEY_LINE.fullmatch(line):
            return pos
        pos = min(nxt, len(text))


def _block_end(text: str, begin: int) -> int:
    """Where a block whose BEGIN is at `begin` ends when no END follows: after its key-material lines."""
    line_end = text.find("\n", begin)
    if line_end < 0:
        return len(text)
    stop = _walk(text, line_end + 1, 1)
    return stop if stop >= len(text) else max(stop - 1, line_end)


def _block_start(text: str, end_marker: int) -> int:
    """Where a block whose END is at `end_marker` starts when no BEGIN precedes it."""
    line_start = text.rfind("\n", 0, end_marker) + 1
    before = text[line_start:end_marker]
    material = re.search(r"[A-Za-z0-9+/=\\]*$", before)
    assert material is not None
    if before[: material.start()].strip(" \t\"'`#/*+,;([") == "":
        return _walk(text, line_start, -1)
    return line_start + material.start()


def key_block_spans(text: str) -> list[tuple[int, int]]:
    """Character spans [start, end) of private key blocks in `text`, recognised from either end.

    BEGIN..END is one block. A BEGIN with no END (the text was cut inside the block) runs over the
    key-material lines after it; an END with no BEGIN runs back over the key-material lines before it."""
    if "PRIVATE KEY" not in text:
        return []
    markers = sorted([(m.start(), m.end(), "begin") for m in KEY_BEGIN.finditer(text)]
                     + [(m.start(), m.end(), "end") for m in KEY_END.finditer(text)])
    spans: list[tuple[int, int]] = []
    open_at: int | None = None
    for start, end, what in markers:
        if what == "begin":
            if open_at is not None:  # a second BEGIN before any END: the first block was cut short
                spans.append((open_at, min(_block_end(text, open_at), start)))
            open_at = start
        elif open_at is None:  # END first: the text starts inside the block
            floor = spans[-1][1] if spans else 0
            spans.append((max(_block_start(text, start), floor), end))
        else:
            spans.append((open_at, end))
            open_at = None
    if open_at is not None:
        spans.append((open_at, _block_end(text, open_at)))
    return spans


# -- provider tokens with a recognisable shape: (kind, literals, pattern), the whole match is replaced ----
# The pattern runs only when one of its literals occurs in the text (a substring test is ~50x cheaper).
TOKENS: list[tuple[str, tuple[str, ...], re.Pattern[str]]] = [
    ("aws-access-key", ("AKIA", "ASIA", "ABIA", "ACCA", "AIDA", "AROA", "AGPA", "ANPA", "ANVA", "APKA"), re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA|AIDA|AROA|AGPA|ANPA|ANVA|APKA)[0-9A-Z]{16}\b")),
    ("github-token", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"), re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b")),
    ("github-token", ("github_pat_",), re.compile(r"\bgithub_pat_[A-Za-z0-9_]{22,}\b")),
    ("gitlab-token", ("gl",), re.compile(r"\bgl(?:pat|dt|rt|ptt|cbt|imt|ft|soat)-[A-Za-z0-9_-]{20,}")),
    ("slack-webhook", ("hooks.slack.com",), re.compile(r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]+")),
    ("slack-token", ("xox",), re.compile(r"\bxox[abposre]-[A-Za-z0-9-]{10,}")),
    ("slack-token", ("xapp-",), re.compile(r"\bxapp-\d-[A-Za-z0-9-]{10,}")),
    ("stripe-key", ("k_live_", "k_test_"), re.compile(r"\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}\b")),
    ("stripe-key", ("whsec_",), re.compile(r"\bwhsec_[A-Za-z0-9]{24,}\b")),
    ("api-key", ("sk-",), re.compile(r"\bsk-(?:[A-Za-z0-9]+-){0,3}[A-Za-z0-9_-]{20,}")),
    ("google-api-key", ("AIza",), re.compile(r"\bAIza[0-9A-Za-z_-]{35}")),
    ("google-oauth", ("GOCSPX-",), re.compile(r"\bGOCSPX-[A-Za-z0-9_-]{20,}")),
    ("google-oauth", ("ya29.",), re.compile(r"\bya29\.[A-Za-z0-9_-]{30,}")),
    ("google-oauth", ("1//0",), re.compile(r"(?<![\w/])1//0[A-Za-z0-9_-]{30,}")),
    ("jwt", ("eyJ",), re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
    ("twilio-key", ("SK",), re.compile(r"\bSK[0-9a-fA-F]{32}\b")),
    ("sendgrid-key", ("SG.",), re.compile(r"\bSG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}")),
    ("npm-token", ("npm_",), re.compile(r"\bnpm_[A-Za-z0-9]{36}\b")),
    ("pypi-token", ("pypi-AgE",), re.compile(r"\bpypi-AgE[A-Za-z0-9_-]{50,}")),
    ("huggingface-token", ("hf_",), re.compile(r"\bhf_[A-Za-z0-9]{30,}\b")),
    ("shopify-token", ("shp",), re.compile(r"\bshp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}\b")),
    ("digitalocean-token", ("_v1_",), re.compile(r"\bdo[por]_v1_[a-f0-9]{64}\b")),
    ("mailgun-key", ("key-",), re.compile(r"\bkey-[0-9a-f]{32}\b")),
    ("square-token", ("sq0",), re.compile(r"\bsq0(?:atp|csp)-[A-Za-z0-9_-]{22,}")),
    ("databricks-token", ("dapi",), re.compile(r"\bdapi[0-9a-f]{32}(?:-\d)?\b")),
    ("vault-token", ("hvs.", "hvb.", "hvr."), re.compile(r"\bhv[sbr]\.[A-Za-z0-9_-]{24,}")),
    ("doppler-token", ("dp.",), re.compile(r"\bdp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,}")),
    ("grafana-token", ("glsa_",), re.compile(r"\bglsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}\b")),
    ("linear-key", ("lin_api_",), re.compile(r"\blin_api_[A-Za-z0-9]{40}\b")),
    ("postman-key", ("PMAK-",), re.compile(r"\bPMAK-[a-f0-9]{24}-[a-f0-9]{34}\b")),
    ("age-secret-key", ("AGE-SECRET-KEY-1",), re.compile(r"\bAGE-SECRET-KEY-1[0-9A-Z]{58}\b")),
    ("telegram-token", (":AA",), re.compile(r"\b\d{8,10}:AA[A-Za-z0-9_-]{33}\b")),
    ("azure-client-secret", ("Q~",), re.compile(r"(?<![\w~.-])[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![\w~.-])")),
]

# HTTP credentials: `Authorization: Basic <base64>` / `Bearer <token>`, in headers, code and docs.
AUTH_SCHEME = re.compile(r"(?i)\b(?P<scheme>basic|bearer) (?P<val>[A-Za-z0-9+/=._~-]{16,})")
# Labelled digests (subresource integrity, lockfiles): the label says it is a hash.
DIGEST_PREFIX = re.compile(r"(?i)(?:sha(?:1|224|256|384|512)|md5|blake2b?)[-:]")

# Connection strings (Azure storage / service bus / SQL Server / ODBC): `Key=value;` pairs.
CONNECTION_KEYS = re.compile(
    r"(?i)(?:^|(?<=[;\"'\s?&]))(?P<head>(?:account[ _]?key|shared[ _]?access[ _]?key|shared[ _]?access[ _]?signature"
    r"|password|pwd|sig)=)(?P<val>[^;\"'\s&<>]{3,})"
)
CONNECTION_HINT = re.compile(r"(?i)(?:account[ _]?key|shared[ _]?access[ _]?(?:key|signature)|password|pwd|[?&]sig)=")

URL_CREDENTIALS = re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.-]{1,20}://)([^\s:/@'\"]*):([^\s@/'\"]+)@")

# -- assignments ------------------------------------------------------------------------------------------
SECRET_NAME = (
    r"(?:[A-Za-z0-9_.-]*?[_.-])?"
    r"(?:password|passwd|pwd|passphrase|secret|secret[_-]?key|token|auth[_-]?token|access[_-]?token"
    r"|refresh[_-]?token|api[_-]?key|apikey|access[_-]?key|private[_-]?key(?:[_-]?id)?|client[_-]?secret"
    r"|credentials?|signing[_-]?key|encryption[_-]?key|master[_-]?key|hmac[_-]?key|session[_-]?key"
    r"|account[_-]?key)"
)
# name, optional closing quote, separator, optional opening quote of the value.
ASSIGN = re.compile(
    r"(?P<head>(?P<export>^[ \t]*(?:export[ \t]+)?)?[\"']?(?<![\w.-])(?P<name>" + SECRET_NAME + r")[\"']?"
    r"[ \t]*(?P<sep>:=|=>|=|:(?:[ \t]*[A-Za-z_][\w\[\]., |]*[ \t]*=(?!=))?)[ \t]*)"
    r"(?:(?P<q>[\"'`])(?P<qval>(?:(?!(?P=q)).)*?)(?P=q)|(?P<bare>[^\s\"'`,;#(){}\[\]<>]+))",
    re.I | re.M,
)
ASSIGN_HINT = re.compile(r"(?i)(?:pass(?:word|wd|phrase)|pwd|secret|token|key(?:_id)?|credentials?)[\"']?[ \t]*[:=]")

# Quoted values assigned to any name.
ENTROPY_ASSIGN = re.compile(
    r"(?P<head>[A-Za-z_][\w.-]*[\"']?[ \t]*(?::=|=>|=|:)[ \t]*)"
    r"(?P<q>[\"'])(?P<val>[A-Za-z0-9+/=_\-.~]{20,})(?P=q)"
)
ENTROPY_HINT = re.compile(r"[\"'][A-Za-z0-9+/=_\-.~]{20,}[\"']")
# Unquoted values assigned to any name at the start of a line (.env, shell, INI, YAML, properties).
BARE_ASSIGN = re.compile(
    r"^(?P<head>[ \t]*(?:export[ \t]+)?(?P<name>[A-Za-z_][\w.-]*)[ \t]*(?:=|:)[ \t]*)"
    r"(?P<val>[A-Za-z0-9+/=_\-~]{16,})[ \t]*(?:[#;].*)?$",
    re.M,
)
BARE_ASSIGN_HINT = re.compile(r"[=:][ \t]*[A-Za-z0-9+/=_\-~]{16,}[ \t]*(?:[#;][^\n]*)?$", re.M)
# Long base64/alphanumeric runs anywhere (comments, docs, key lines of a cut block).
BARE_TOKEN = re.compile(r"(?<![\w+/=.~\\-])(?P<val>[A-Za-z0-9+/]{32,}={0,2})(?![\w+/=.~-])")
# Public material in PEM armour (certificates, public keys): long base64 lines that are not secrets.
PUBLIC_BLOCK = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*(?:CERTIFICATE|PUBLIC KEY|CERTIFICATE REQUEST|X509 CRL)-----"
                          r".*?-----END (?:[A-Z0-9]+ )*(?:CERTIFICATE|PUBLIC KEY|CERTIFICATE REQUEST|X509 CRL)-----", re.S)
# Names whose values are digests and ids, not secrets (lockfiles, manifests, build metadata).
HASH_NAME = re.compile(r"(?i)(?:sha\d*|md5|hash|checksum|digest|integrity|commit|rev(?:ision)?|etag|uuid|guid"
                       r"|version|id|nonce_?hash)$")
TYPE_WORDS = {
    "str", "string", "int", "bool", "boolean", "bytes", "none", "null", "nil", "true", "false", "any",
    "optional", "undefined", "number", "object", "secretstr", "self", "this", "required", "char",
}
HEX = re.compile(r"[0-9a-fA-F-]+")
ASCENDING = re.compile(r"(?:abcde|bcdef|cdefg|defgh|ghijk|klmno|nopqr|pqrst|stuvw|uvwxy|vwxyz|01234|12345|23456"
                        r"|34567|45678|56789)", re.I)


def shannon_entropy(value: str) -> float:
    """Bits per character of `value`'s own character distribution (0.0 for an empty string)."""
    if not value:
        return 0.0
    counts = Counter(value)
    total = len(value)
    return -sum(c / total * math.log2(c / total) for c in counts.values())


_LOWER_RUN = re.compile(r"[a-z]+")
_DIGIT_RUN = re.compile(r"[0-9]+")


def looks_random(value: str, *, allow_hex: bool = False) -> bool:
    """Whether `value` reads as generated key material rather than a word, identifier, hash or alphabet.

    Identifiers are words: the median run of lower-case letters is 3+ characters and digits come in one
    or two groups (``TestRenderWith201``). Random text over a mixed alphabet has short lower-case runs
    (median 1-2 characters) or, without lower case, digits scattered in many groups.
    On top of that shape: four letters at least, no alphabet or digit runs (``abcdef``, ``12345``), and
    an entropy of at least 0.75 * log2(min(length, alphabet size)). Pure hex passes only with
    `allow_hex` (digests are hex; a hex value is a secret only by where it is assigned)."""
    core = value.rstrip("=")
    alnum = "".join(c for c in core if c.isalnum())
    if len(alnum) < 12 or MARK_TEXT in value or sum(c.isalpha() for c in alnum) < 4:
        return False
    is_hex = bool(HEX.fullmatch(core))
    if (is_hex and not allow_hex) or ASCENDING.search(core):
        return False
    lower_runs = sorted(len(run) for run in _LOWER_RUN.findall(alnum))
    digit_runs = len(_DIGIT_RUN.findall(alnum))
    short_words = bool(lower_runs) and lower_runs[len(lower_runs) // 2] <= 2
    scattered_digits = digit_runs >= max(3, len(alnum) // 10)
    if not (short_words or scattered_digits):
        return False
    if digit_runs == 0:  # letters only: random text has many upper-case pairs, CamelCase few (acronyms)
        upper_pairs = sum(a.isupper() and b.isupper() for a, b in zip(alnum, alnum[1:], strict=False))
        if len(alnum) < 20 or upper_pairs < len(alnum) / 8:
            return False
    alphabet = 16 if is_hex else 64
    return shannon_entropy(core) >= 0.75 * math.log2(min(len(core), alphabet))


MARK_TEXT = "[REDACTED:"
