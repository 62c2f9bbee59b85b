"""Secret redaction: what must never leave the process in a request to a model.

`redact(text)` replaces each secret with ``[REDACTED:<kind>]`` and keeps every newline, so line numbers
cited in answers stay right. Rules (patterns in `codeassist.redact_rules`), applied in order (a later
rule never touches an earlier replacement):

1. private key blocks, recognised from either end: ``BEGIN … END`` whole; a text that starts inside a
   block (an END with no BEGIN) loses the key-material lines before the END, one cut inside a block (a
   BEGIN with no END) the key-material lines after the BEGIN;
2. provider tokens with a recognisable shape (AWS, GitHub, GitLab, Slack, Stripe, OpenAI/Anthropic
   ``sk-``, Google, Twilio, SendGrid, npm, PyPI, Hugging Face, Shopify, DigitalOcean, Vault, JWTs …);
3. connection-string keys (``AccountKey=``, ``SharedAccessKey=``, ``Password=``, ``sig=``);
4. credentials inside URLs (``postgres://user:pass@host`` keeps user and host, drops the password);
5. values assigned to secret-looking names (``password``, ``secret``, ``token``, ``api_key``,
   ``private_key_id``, ``passphrase`` …) in code, JSON, YAML, TOML, INI and ``.env`` styles. Quoted
   values are always redacted; unquoted ones only when they cannot be code: ``KEY=value`` env lines, or
   values with a digit or symbol that are neither calls, attribute accesses nor type names
   (``password: str`` and ``token = get_token()`` stay);
6. random-looking values assigned to ANY name (`redact_rules.looks_random` and an entropy of 4 bits per
   character for quoted ones): quoted (>= 20 chars), or
   unquoted at the start of a line (>= 16 chars: ``SIGNING_SEED=…`` in a .env file). Hex counts only in
   ``NAME=value`` env lines whose name is not a digest name (``sha256``, ``checksum``, ``commit`` …);
7. random-looking runs of 32+ base64 characters anywhere, comments included (an AWS secret key in a
   comment, the lines of a key block cut from both ends), except inside certificate / public key armour.

The rules are tuned to leave ordinary source code byte-for-byte unchanged (tests and the false-positive
count of ``bench/secrets.py`` check this). Texts cut from a file (chunks, ranges, prefix/suffix) are best
redacted with the whole file at hand: see `codeassist.redact_file`.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from codeassist import redact_rules as rules
from codeassist.redact_rules import looks_random, shannon_entropy

__all__ = ["MARK", "RedactionResult", "looks_random", "mark", "redact", "redact_text", "shannon_entropy"]

MARK = rules.MARK_TEXT
_NEWLINE = re.compile("\n")


@dataclass(slots=True)
class RedactionResult:
    text: str
    # (kind, 1-based line) of each replacement, in order of position.
    findings: list[tuple[str, int]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.findings)


def mark(kind: str, original: str = "") -> str:
    """The replacement for `original`: ``[REDACTED:<kind>]`` plus as many newlines as it held."""
    return f"{MARK}{kind}]" + "\n" * original.count("\n")


_mark = mark


def _bare_is_secret(value: str, style: str) -> bool:
    """Whether an unquoted value after a secret-looking name is a secret rather than code."""
    if value.startswith(("$", "%", "{{", "<", "***", "@")) or MARK in value:
        return False
    if style == "env":  # KEY=value in .env / shell: anything literal is a secret
        return True
    if value.lower().rstrip("|?!") in rules.TYPE_WORDS or re.fullmatch(r"\d{1,6}", value):
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
    if bare is None or not _bare_is_secret(bare, style) or match.string[match.end():match.end() + 1] in ("(", "."):
        return None  # a call or an attribute access: `token = b64encode(userpass)`
    return match.group("head") + _mark("secret")


def _high_entropy(match: re.Match[str]) -> str | None:
    value = match.group("val")
    if MARK in value or rules.HEX.fullmatch(value) or rules.DIGEST_PREFIX.match(value) or \
            rules.ASCENDING.search(value):
        return None
    name = match.group("head").rstrip(" \t:=>\"'")
    if rules.HASH_NAME.search(name.replace("-", "_")):
        return None
    if not (re.search(r"\d", value) and re.search(r"[A-Za-z]", value)):
        return None
    if "/" in value and value.count("/") >= 2 and not re.search(r"[+=]", value):
        return None  # a path
    if shannon_entropy(value) < 4.0 or not looks_random(value):
        return None
    q = match.group("q")
    return match.group("head") + q + _mark("high-entropy") + q


def _bare_assignment(match: re.Match[str]) -> str | None:
    """`NAME=value` / `name: value` at the start of a line with a random-looking value, any name."""
    name, value = match.group("name"), match.group("val")
    if rules.HASH_NAME.search(name.replace("-", "_")):
        return None
    head = match.group("head")
    env_style = name.upper() == name and "=" in head and not head.rstrip().endswith(" =")
    if not looks_random(value, allow_hex=env_style and len(value) >= 32):
        return None
    if not env_style and re.fullmatch(r"[A-Za-z_]\w*", value) and sum(c.isdigit() for c in value) < 3:
        return None  # `handler = ShellCompRequestCmd2`: in code an unquoted word is a name
    return match.group("head") + _mark("high-entropy") + match.string[match.end("val"):match.end()]


def _bare_token(match: re.Match[str]) -> str | None:
    """A random-looking run of 32+ base64 characters anywhere, unless it is a labelled digest or data."""
    before = match.string[max(0, match.start() - 8):match.start()].lower()
    if before.endswith(("sha1-", "sha256-", "sha384-", "sha512-", "base64,", "sha256:", "sha512:", "h1:")):
        return None
    return _mark("high-entropy") if looks_random(match.group("val")) else None


def _connection_key(match: re.Match[str]) -> str | None:
    value, key = match.group("val"), match.group("head").lower()
    if MARK in value or value.startswith(("$", "{", "%", "<")):
        return None
    text = match.string
    before = text[text.rfind("\n", 0, match.start()) + 1:match.start()]
    after = text[match.end():match.end() + 1]
    if key.startswith(("password", "pwd")) and not (before.rstrip().endswith(";") or after == ";"):
        return None  # `password=password` is a keyword argument; in a connection string pairs end with ;
    if key == "sig=" and not before.endswith(("&", "?")):
        return None  # a SAS signature is a URL query parameter
    return match.group("head") + _mark("secret")


def _auth_scheme(match: re.Match[str]) -> str | None:
    """`Basic <base64>` / `Bearer <token>`: in an Authorization header, or random-looking anywhere."""
    value = match.group("val")
    text = match.string
    line = text[text.rfind("\n", 0, match.start()) + 1:match.start()].lower()
    if MARK in value or not ("authoriz" in line or looks_random(value)):
        return None
    return match.group("scheme") + " " + _mark("secret")


def _url_credentials(match: re.Match[str]) -> str | None:
    if MARK in match.group(3) or match.group(3).startswith("$"):
        return None
    return f"{match.group(1)}{match.group(2)}:{_mark('password')}@"


class _Pass:
    """Runs one pattern over the text, recording (kind, line) for each replacement."""

    def __init__(self, text: str, findings: list[tuple[str, int]]) -> None:
        self.text = text
        self.findings = findings

    def spans(self, spans: list[tuple[int, int]], kind: str) -> None:
        """Replace character spans (sorted, disjoint) with marks that keep their newlines."""
        if not spans:
            return
        newlines = [m.start() for m in _NEWLINE.finditer(self.text)]
        pieces: list[str] = []
        last = 0
        for start, end in spans:
            pieces += [self.text[last:start], _mark(kind, self.text[start:end])]
            last = end
            self.findings.append((kind, bisect_right(newlines, start - 1) + 1))
        pieces.append(self.text[last:])
        self.text = "".join(pieces)

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
    """Replace every secret in `text`; the result has the same number of lines (see the module docstring)."""
    findings: list[tuple[str, int]] = []
    work = _Pass(text, findings)
    work.spans(rules.key_block_spans(text), "private-key")
    for kind, literals, pattern in rules.TOKENS:
        if any(literal in work.text for literal in literals):
            work.run(pattern, kind, lambda m, kind=kind: _mark(kind))
    if "asic " in work.text or "earer " in work.text or "ASIC " in work.text or "EARER " in work.text:
        work.run(rules.AUTH_SCHEME, "auth-header", _auth_scheme)
    work.run(rules.CONNECTION_KEYS, "connection-string", _connection_key, rules.CONNECTION_HINT)
    if "://" in work.text:
        work.run(rules.URL_CREDENTIALS, "url-credentials", _url_credentials)
    work.run(rules.ASSIGN, "secret-assignment", _assignment, rules.ASSIGN_HINT)
    work.run(rules.ENTROPY_ASSIGN, "high-entropy", _high_entropy, rules.ENTROPY_HINT)
    work.run(rules.BARE_ASSIGN, "high-entropy", _bare_assignment, rules.BARE_ASSIGN_HINT)
    public = [m.span() for m in rules.PUBLIC_BLOCK.finditer(work.text)] if "-----BEGIN" in work.text else []
    work.run(rules.BARE_TOKEN, "high-entropy",
             lambda m: None if any(s <= m.start() < e for s, e in public) else _bare_token(m))
    findings.sort(key=lambda f: f[1])
    return RedactionResult(work.text, findings)


def redact_text(text: str) -> str:
    """`redact(text).text`: the text with every secret replaced, same number of lines."""
    return redact(text).text
