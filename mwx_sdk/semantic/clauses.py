"""Split a compound instruction into ordered clauses.

"walk to the chair and sit down"     -> ["walk to the chair", "sit down"]
"walk forward then sit on the chair" -> ["walk forward", "sit on the chair"]
"sit down after walking to the chair" -> ["walking to the chair", "sit down"]

Explicit sequencers (then, afterwards, next, ';', '.') always split. "and" splits only when the
word after it starts a new action (a verb from a small lexicon), so "the table and the chair"
stays whole. "after" reverses the order of its two sides; "before" keeps it.
"""

from __future__ import annotations

import re

# Verbs that begin an action clause; kept generic (no skill names are special here).
_VERBS = {
    "walk", "run", "jog", "sprint", "go", "move", "head", "step", "stroll", "hurry", "march",
    "sit", "stand", "rise", "get", "stay", "remain", "wait", "stop", "halt", "hold", "keep",
    "pick", "grab", "lift", "carry", "bring", "take", "put", "place", "drop", "set", "push",
    "pull", "open", "close", "reach", "touch", "point", "wave", "turn", "approach", "come",
    "return", "crouch", "squat", "jump", "lower", "raise", "balance", "kneel", "lie", "climb",
    "fetch", "deliver", "transport", "continue", "proceed", "advance", "retreat", "back",
    "settle", "rest", "press", "extend", "stretch", "hop", "dash", "race", "trot", "pace",
}
_SEQ = re.compile(
    r"\s*(?:;|\.\s+|,?\s+and\s+then\s+|,?\s+then\s+|,?\s+afterwards?,?\s+|,?\s+after\s+that,?\s+"
    r"|,?\s+next,?\s+|,?\s+finally,?\s+|,?\s+followed\s+by\s+)\s*",
    re.IGNORECASE,
)
_AND = re.compile(r",?\s+and\s+|,\s+", re.IGNORECASE)
_FILLER = {"first", "then", "next", "finally", "please", "now", "and", "ok", "okay"}
_LEAD = re.compile(r"^(?:then|and|first|next|finally|please|now)\s+", re.IGNORECASE)


def _stem(word: str) -> str:
    w = word.lower()
    for suf in ("ing", "ed", "s"):
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            base = w[: -len(suf)]
            if len(base) >= 2 and base[-1] == base[-2] and base[-1] not in "ls":
                base = base[:-1]  # running -> run, sitting -> sit
            return base
    return w


def _starts_action(text: str) -> bool:
    m = re.match(r"[A-Za-z]+", text.strip())
    return bool(m) and (_stem(m.group(0)) in _VERBS or m.group(0).lower() in _VERBS)


def _clean(text: str) -> str:
    text = text.strip(" \t\n,.;:!")
    while True:
        new = _LEAD.sub("", text)
        if new == text:
            return text
        text = new


def _split_and(part: str) -> list[str]:
    pieces = _AND.split(part)
    out = [pieces[0]]
    for p in pieces[1:]:
        if _starts_action(p):
            out.append(p)
        else:
            out[-1] = f"{out[-1]} and {p}"
    return out


def split_clauses(instruction: str) -> list[str]:
    """Ordered action clauses of ``instruction``.

    Args:
        instruction: a sentence such as "walk forward then sit on the chair".

    Returns:
        At least one clause (the stripped instruction itself when nothing splits).
    """
    text = " ".join(str(instruction).split())
    if not text:
        raise ValueError("instruction is empty; pass a sentence such as 'walk forward'")
    clauses: list[str] = []
    for part in _SEQ.split(text):
        part = _clean(part)
        if not part:
            continue
        m = re.match(r"^(.*?)\s+after\s+(.*)$", part, re.IGNORECASE)
        b = re.match(r"^(.*?)\s+before\s+(.*)$", part, re.IGNORECASE)
        if m and _starts_action(m.group(2)) and _starts_action(m.group(1)):
            ordered = [m.group(2), m.group(1)]
        elif b and _starts_action(b.group(2)) and _starts_action(b.group(1)):
            ordered = [b.group(1), b.group(2)]
        else:
            m = re.match(r"^(?:after|once)\s+(.*?),\s*(.*)$", part, re.IGNORECASE)
            ordered = [m.group(1), m.group(2)] if m else [part]
        for piece in ordered:
            for sub in _split_and(piece):
                sub = _clean(sub)
                if sub and sub.lower() not in _FILLER:
                    clauses.append(sub)
    return clauses or [text]
