"""A message's own words: its body less the quoted replies (mail-parser-reply, which knows the
"On ... wrote:" / "Le ... a écrit :" / Outlook header lines in French and English) and less its
signature (after the "-- " line, or the contact block after a sign-off such as "Best regards,"
and the name under it).

    own_words(body)      -> the text that gets indexed and cited
    greeting_of(text)    -> "Bonjour Paul," or ""
    sign_off_of(text)    -> "Bien cordialement," or ""
"""

from __future__ import annotations

import re

_SIGNATURE_LINE = re.compile(r"^--\s*$")
_MOBILE = re.compile(r"^(sent from my|envoyé de mon|envoyé depuis|get outlook for)\b", re.I)
_QUOTED_LINE = re.compile(r"^\s*>")
_SIGN_OFFS = (
    "best regards", "kind regards", "warm regards", "regards", "best wishes", "best", "cheers",
    "thanks", "thank you", "many thanks", "sincerely", "yours sincerely", "talk soon",
    "all the best",
    "bien cordialement", "cordialement", "bien à vous", "bien à toi", "à bientôt", "a bientot",
    "merci", "merci d'avance", "merci beaucoup", "bonne journée", "bonne soirée", "amitiés",
    "amicalement", "bises", "salutations", "sincères salutations", "belle journée",
)  # fmt: skip
_SIGN_OFF = re.compile(
    r"^\s*(" + "|".join(re.escape(s) for s in sorted(_SIGN_OFFS, key=len, reverse=True))
    + r")\s*[,.!]*\s*$", re.I
)  # fmt: skip
_GREETING = re.compile(
    r"^\s*(hi|hello|hey|dear|good morning|bonjour|bonsoir|salut|coucou|cher|chère|madame|"
    r"monsieur)\b[^\n]{0,40}$",
    re.I,
)
_TAIL_LINES = 12  # a sign-off is looked for among the last lines only


def _strip_quotes(body: str) -> str:
    from mailparser_reply import EmailReplyParser

    try:
        latest = EmailReplyParser(languages=["en", "fr"]).parse_reply(text=body)
    except Exception:  # the library's regular expressions on odd input: keep the body
        latest = body
    latest = latest if isinstance(latest, str) and latest.strip() else body
    lines = [line for line in latest.splitlines() if not _QUOTED_LINE.match(line)]
    return "\n".join(lines)


def _strip_signature(text: str) -> str:
    lines = text.rstrip().splitlines()
    for index, line in enumerate(lines):
        if _SIGNATURE_LINE.match(line) or _MOBILE.match(line.strip()):
            lines = lines[:index]
            break
    start = max(0, len(lines) - _TAIL_LINES)
    for index in range(len(lines) - 1, start - 1, -1):
        if _SIGN_OFF.match(lines[index]) and index > 0:
            # keep the sign-off and the name under it; drop the contact block below
            name = [ln for ln in lines[index + 1 : index + 2] if ln.strip()]
            lines = lines[: index + 1] + name
            break
    return "\n".join(lines).strip()


def own_words(body: str) -> str:
    """The message's own words (see the module docstring); '' for an empty body."""
    if not body.strip():
        return ""
    text = _strip_signature(_strip_quotes(body.replace("\r\n", "\n")))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def greeting_of(text: str) -> str:
    """The opening greeting line ("Hi Paul,", "Bonjour,"), or ''."""
    for line in text.splitlines():
        if line.strip():
            return line.strip() if _GREETING.match(line) else ""
    return ""


def sign_off_of(text: str) -> str:
    """The closing formula ("Best regards,", "Bien à vous,"), or ''."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in reversed(lines[-4:]):
        if _SIGN_OFF.match(line):
            return line
    return ""
