"""A resident's media and words that arrive one after another make one matter, not several."""

from __future__ import annotations

import pytest

from bot.app.clock import ManualClock
from bot.classify import Classifier
from bot.config import Config
from bot.services.deps import Deps, Unchanging
from bot.services.intake import Incoming, Received
from bot.services.messages import Taken, take_message
from tests.factories import RESIDENT, Uows


@pytest.fixture(scope="module")
def classifier(config: Config) -> Classifier:
    return Classifier(config)


@pytest.fixture
def deps(uows: Uows, config: Config, clock: ManualClock, classifier: Classifier) -> Deps:
    return Deps(config, uows, clock, classifiers=Unchanging(config, classifier))


def message(n: int, **content: object) -> Incoming:
    return Incoming(user_id=RESIDENT, user_name="陈师傅", source_key=f"m:{RESIDENT}:{n}",
                    **content)  # type: ignore[arg-type]


def take(deps: Deps, msg: Incoming) -> Taken:
    """As the handlers take it: a plain text may answer the question the bot is waiting on."""
    return take_message(deps, msg, may_answer=msg.is_text)


def stored(taken: Taken) -> Received:
    assert taken.received is not None, taken
    return taken.received


def test_voice_then_location_then_words_are_one_draft(deps: Deps) -> None:
    first = stored(take(deps, message(1, voice_file_id="voice-1")))
    second = stored(take(deps, message(2, location=(39.9, 116.4))))
    words = stored(take(deps, message(3, text="我们单元楼道灯坏了，晚上黑乎乎的")))
    assert first.how == "new" and second.how == "added" and words.how == "added"
    assert words.draft.id == first.draft.id
    assert words.draft.text.startswith("我们单元楼道灯坏了")
    assert words.draft.voice_file_id == "voice-1" and words.draft.location_lat == 39.9
    assert words.draft.category == "repairs"  # classified from the words that came last


def test_words_after_a_described_draft_start_a_new_matter(deps: Deps) -> None:
    first = stored(take(deps, message(1, text="5号楼门口垃圾堆了好几天")))
    second = stored(take(deps, message(2, text="还有，小区门口的路灯也不亮了")))
    assert second.how == "new" and second.draft.id != first.draft.id
