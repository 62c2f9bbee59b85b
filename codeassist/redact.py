"""Secret redaction: what must never leave the process in a request to a model.

`redact(text)` replaces each secret with ``[REDACTED:<kind>]`` and keeps every newline, so line numbers
cited in answers stay right. Rules, applied in order (a later rule never touches an earlier replacement):

1. private key blocks (``-----BEGIN … PRIVATE KEY-----`` … ``END``), whole block;
2. provider tokens with a recognisable shape: AWS access key ids, GitHub (``ghp_`` ``gho_`` ``ghu_``
   ``ghs_`` ``ghr_`` ``github_pat_``), GitLab ``glpat-``, Slack ``xox?-`` tokens and webhooks, Stripe
   ``sk_live_``/``rk_live_``, OpenAI/Anthropic-style ``sk-…``, Google ``AIza…``, JWTs;
3. credentials inside URLs (``postgres://user:pass@host`` keeps user and host, drops the password);
4. values assigned to secret-looking names (``password``, ``passwd``, ``pwd``, ``secret``, ``token``,
   ``api_key``, ``access_key``, ``secret_key``, ``private_key``, ``client_secret``, ``auth_token`` …) in
   code, JSON, YAML, TOML, INI and ``.env`` styles. Quoted values are always redacted; unquoted ones only
   when they cannot be code: ``KEY=value`` env lines, or values with a digit or symbol that are neither
   calls, attribute accesses nor type names (``password: str`` and ``token = get_token()`` stay);
5. high-entropy string literals assigned to any name: quoted, >= 20 characters, letters and digits
   mixed, Shannon entropy >= 4.0 bits/char. Pure hex strings and UUIDs are left alone on purpose: they are
   overwhelmingly content hashes, commit ids and lockfile checksums; hex *secrets* assigned to a secret
   name are still caught by rule 4.

The rules are tuned to leave ordinary source code byte-for-byte unchanged (tests check this).
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

MARK = "[REDACTED:"


@dataclass(slots=True)
class RedactionResult:
    text: str
    # (kind, 1-based line) of each replacement, in order of position.
    findings: list[tuple[str, int]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.findings)


def _mark(kind: str, original: str = "") -> str:
    # Keep the newlines of what was removed so that line numbers do not move.
    return f"{MARK}{kind}]" + "\n" * original.count("\n")


_PRIVATE_KEY = re.compile(
    r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY( BLOCK)?-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----|\Z)",
    re.S,
)

# (kind, pattern): the whole match is replaced.
_TOKENS: list[tuple[str, re.Pattern[str]]] = [
    ("aws-access-key", re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA|AIDA|AROA)[0-9A-Z]{16}\b")),
    ("github-token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b")),
    ("github-token", re.compile(r"\bgithub_pat_[A-Za-z0-9_]{22,}\b")),
    ("gitlab-token", re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}")),
    ("slack-webhook", re.compile(r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]+")),
    ("slack-token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("stripe-key", re.compile(r"\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}\b")),
    ("api-key", re.compile(r"\bsk-(?:[A-Za-z0-9]+-){0,3}[A-Za-z0-9_-]{20,}")),
    ("google-api-key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}")),
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
]

_URL_CREDENTIALS = re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.-]{1,20}://)([^\s:/@'\"]*):([^\s@/'\"]+)@")

_SECRET_NAME = (
    r"(?:[A-Za-z0-9_.-]*?[_.-])?"
    r"(?:password|passwd|pwd|secret|secret[_-]?key|token|auth[_-]?token|access[_-]?token|refresh[_-]?token"
    r"|api[_-]?key|apikey|access[_-]?key|private[_-]?key|client[_-]?secret|credentials?)"
)
# name, optional closing quote, separator, optional opening quote of the value.
_ASSIGN = re.compile(
    r"(?P<head>(?P<export>^[ \t]*(?:export[ \t]+)?)?[\"']?(?<![\w.-])(?P<name>" + _SECRET_NAME + r")[\"']?"
    r"[ \t]*(?P<sep>:=|=>|=|:(?:[ \t]*[A-Za-z_][\w\[\]., |]*[ \t]*=(?!=))?)[ \t]*)"
    r"(?:(?P<q>[\"'`])(?P<qval>(?:(?!(?P=q)).)*?)(?P=q)|(?P<bare>[^\s\"'`,;#(){}\[\]<>]+))",
    re.I | re.M,
)
_ENTROPY_ASSIGN = re.compile(
    r"(?P<head>[A-Za-z_][\w.-]*[\"']?[ \t]*(?::=|=>|=|:)[ \t]*)"
    r"(?P<q>[\"'])(?P<val>[A-Za-z0-9+/=_\-.~]{20,})(?P=q)"
)
_ASSIGN_HINT = re.compile(r"(?i)(?:pass(?:word|wd)|pwd|secret|token|key|credentials?)[\"']?[ \t]*[:=]")
_ENTROPY_HINT = re.compile(r"[\"'][A-Za-z0-9+/=_\-.~]{20,}[\"']")
_TYPE_WORDS = {
    "str", "string", "int", "bool", "boolean", "bytes", "none", "null", "nil", "true", "false", "any",
    "optional", "undefined", "number", "object", "secretstr", "self", "this", "required", "char",
}
_HEX = re.compile(r"[0-9a-fA-F-]+")
_NEWLINE = re.compile("\n")


def shannon_entropy(value: str) -> float:
    counts = Counter(value)
    total = len(value)
    return -sum(c / total * math.log2(c / total) for c in counts.values())


def _bare_is_secret(value: str, style: str) -> bool:
    """Whether an unquoted value after a secret-looking name is a secret rather than code."""
    if value.startswith(("$", "%", "{{", "<", "***", "@")) or MARK in value:
        return False
    if style == "env":  # KEY=value in .env / shell: anything literal is a secret
        return True
    if value.lower().rstrip("|?!") in _TYPE_WORDS or re.fullmatch(r"\d{1,6}", value):
        return False
    if "." in value.strip(".") and re.fullmatch(r"[A-Za-z_][\w.]*", value):
        return False  # attribute access: self.token, os.environ
    if style == "yaml":  # `password: value` at the start of a line; CamelCase words are type annotations
        return not re.fullmatch(r"[A-Z][A-Za-z]*", value)
    # In code a bare word is a variable; only digit+letter mixes of some length look like literals.
    return len(value) >= 6 and bool(re.search(r"\d", value)) and bool(re.search(r"[A-Za-z]", value))


def _assignment(match: re.Match[str]) -> str | None:
    qval, bare = match.group("qval"), match.group("bare")
    if qval is not None:
        if len(qval) < 3 or MARK in qval or qval.startswith(("${", "{{", "%(", "<")):
            return None
        return match.group("head") + match.group("q") + _mark("secret") + match.group("q")
    at_line_start = match.group("export") is not None
    sep, name = match.group("sep"), match.group("name")
    sep = "=" if sep.endswith("=") and sep.startswith(":") and sep != ":=" else sep
    if at_line_start and sep == "=" and name.upper() == name:
        style = "env"
    elif at_line_start and sep == ":":
        style = "yaml"
    else:
        style = "code"
    if bare is None or not _bare_is_secret(bare, style):
        return None
    return match.group("head") + _mark("secret")


def _high_entropy(match: re.Match[str]) -> str | None:
    value = match.group("val")
    if MARK in value or _HEX.fullmatch(value):
        return None
    if not (re.search(r"\d", value) and re.search(r"[A-Za-z]", value)):
        return None
    if "/" in value and value.count("/") >= 2 and not re.search(r"[+=]", value):
        return None  # a path
    if shannon_entropy(value) < 4.0:
        return None
    q = match.group("q")
    return match.group("head") + q + _mark("high-entropy") + q


class _Pass:
    """Runs one pattern over the text, recording (kind, line) for each replacement."""

    def __init__(self, text: str, findings: list[tuple[str, int]]) -> None:
        self.text = text
        self.findings = findings

    def run(self, pattern: re.Pattern[str], kind: str, replace: Callable[[re.Match[str]], str | None],
            prefilter: re.Pattern[str] | None = None) -> None:
        newlines: list[int] | None = None
        pieces: list[str] = []
        last = 0
        for match in self._matches(pattern, prefilter):
            new = replace(match)
            if new is None:
                continue
            if newlines is None:
                newlines = [m.start() for m in _NEWLINE.finditer(self.text)]
            pieces.append(self.text[last:match.start()])
            pieces.append(new)
            last = match.end()
            self.findings.append((kind, bisect_right(newlines, match.start() - 1) + 1))
        if pieces:
            pieces.append(self.text[last:])
            self.text = "".join(pieces)

    def _matches(self, pattern: re.Pattern[str], prefilter: re.Pattern[str] | None) -> Iterator[re.Match[str]]:
        # The assignment patterns are slow to try at every position; a cheap literal-led prefilter finds
        # the few lines worth trying (keeps redaction at several MB/s on ordinary code).
        if prefilter is None:
            yield from pattern.finditer(self.text)
            return
        text = self.text
        done = 0
        for hit in prefilter.finditer(text):
            if hit.start() < done:
                continue
            start = text.rfind("\n", 0, hit.start()) + 1
            end = text.find("\n", hit.end())
            end = len(text) if end < 0 else end
            yield from pattern.finditer(text, start, end)
            done = end


def redact(text: str) -> RedactionResult:
    """Replace every secret in `text`; the result has the same number of lines."""
    findings: list[tuple[str, int]] = []
    work = _Pass(text, findings)
    if "PRIVATE KEY" in text:
        work.run(_PRIVATE_KEY, "private-key", lambda m: _mark("private-key", m.group(0)))
    for kind, pattern in _TOKENS:
        work.run(pattern, kind, lambda m, kind=kind: _mark(kind))
    if "://" in text:
        work.run(_URL_CREDENTIALS, "url-credentials",
                 lambda m: None if MARK in m.group(3) or m.group(3).startswith("$")
                 else f"{m.group(1)}{m.group(2)}:{_mark('password')}@")
    work.run(_ASSIGN, "secret-assignment", _assignment, _ASSIGN_HINT)
    work.run(_ENTROPY_ASSIGN, "high-entropy", _high_entropy, _ENTROPY_HINT)
    findings.sort(key=lambda f: f[1])
    return RedactionResult(work.text, findings)


def redact_text(text: str) -> str:
    return redact(text).text
