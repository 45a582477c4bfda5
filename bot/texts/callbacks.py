"""Compact button data (Telegram allows 64 bytes) and its strict parsing.

A button is only a hint: parsing says which action and ticket it names, never whether the
presser may do it. Anything malformed parses to None and gets a polite refusal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BYTES = 64
# action -> the shapes of its arguments: "n" a positive number, "c" a short code, "s" a seal
# (8 characters of an HMAC: bot/services/abuse.py, draft_tag)
ACTIONS: dict[str, tuple[str, ...]] = {
    # drafts (resident, before submitting)
    "d.ok": ("n",), "d.cat": ("n",), "d.setcat": ("n", "c"), "d.no": ("n",),
    "d.bld": ("n", "c"), "d.com": ("n", "c"),
    # 换个楼院 on a preview (the community's code: its buildings are shown without a read),
    # then the building picked (the preview comes back with it; nothing is submitted)
    "d.chb": ("n", "c"), "d.setb": ("n", "c"),
    # 确认提交 of a draft without a building: ask it (the community's), sealed to its author
    "d.okb": ("n", "c", "s"),
    # tickets: volunteers
    "t.acc": ("n",), "t.dec": ("n",), "t.clm": ("n",), "t.prg": ("n",), "t.res": ("n",),
    "t.rel": ("n",),
    # tickets: residents
    "t.ok": ("n",), "t.no": ("n",), "t.rate": ("n", "n"),
    "t.rvok": ("n",), "t.rvno": ("n",),  # 回头看: still fixed / broken again
    # tickets: coordinators
    "t.tri": ("n", "c"), "t.asg": ("n", "n"), "t.cls": ("n", "c"),
    "t.rc": ("n", "c"),  # /recat: another category
    # the greeting's buttons (resident): 反映问题 / 说个心愿 / 我反映过的事 / 隐私说明
    "s.rep": (), "s.wish": (), "s.my": (), "s.priv": (),
    # a question the bot waits for words to answer: 跳过/取消 (its seq); a kept text is the
    # answer after all, or a new matter (the kept draft's id)
    "q.end": ("n",), "q.ans": ("n",), "q.new": ("n",),
    # volunteer registration: toggle a category of the 服务菜单, then finish
    "v.cat": ("c",), "v.done": (),
}
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_SEAL = re.compile(r"^[A-Za-z0-9_-]{8}$")


@dataclass(frozen=True)
class Press:
    action: str
    args: tuple[int | str, ...]

    @property
    def number(self) -> int:
        value = self.args[0]
        assert isinstance(value, int)
        return value


def encode(action: str, *args: int | str) -> str:
    data = ":".join([action, *(str(a) for a in args)])
    if action not in ACTIONS or len(data.encode()) > MAX_BYTES or parse(data) is None:
        raise ValueError(f"bad callback data: {data!r}")
    return data


def parse(data: str | None) -> Press | None:
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    action, *raw = data.split(":")
    shape = ACTIONS.get(action)
    if shape is None or len(raw) != len(shape):
        return None
    args: list[int | str] = []
    for kind, value in zip(shape, raw, strict=True):
        if kind == "n":
            if not value.isascii() or not value.isdigit() or len(value) > 15 or int(value) == 0:
                return None
            args.append(int(value))
        else:
            if not (_CODE if kind == "c" else _SEAL).match(value):
                return None
            args.append(value)
    return Press(action, tuple(args))
