"""generator/memo.py: short texts' results remembered, long ones' and exceptions not."""

from __future__ import annotations

import pytest

from generator.memo import remembered_when_short


def test_short_texts_are_remembered_and_long_ones_worked_out_each_time() -> None:
    calls: list[str] = []

    @remembered_when_short(3)
    def length(text: str) -> int:
        calls.append(text)
        if text == "bad":
            raise ValueError(text)
        return len(text)

    assert [length("ab"), length("ab"), length("abcd"), length("abcd")] == [2, 2, 4, 4]
    assert calls == ["ab", "abcd", "abcd"]
    for _ in range(2):
        with pytest.raises(ValueError, match="bad"):
            length("bad")
    assert calls[-2:] == ["bad", "bad"]
