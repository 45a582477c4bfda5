"""config.toml → one frozen, validated Config; environment overrides applied once."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from datetime import time, timedelta
from pathlib import Path
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot import texts

CATEGORY_CODES = (
    "sanitation", "repairs", "parking", "safety", "disputes", "greening", "construction",
    "property", "elderly", "children", "culture", "hardship", "other",
)
KIND_CODES = ("wish", "complaint", "suggestion")
DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent.parent / "config.toml"

_DURATION_RE = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_DURATION_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class ConfigError(Exception):
    """The configuration cannot be used; the message names the file, the key and the fix."""


def parse_duration(value: Any) -> timedelta:
    """'45s', '10m', '2h', '7d' → timedelta (also accepts a timedelta as is)."""
    if isinstance(value, timedelta):
        return value
    match = _DURATION_RE.match(value) if isinstance(value, str) else None
    if not match or int(match.group(1)) == 0:
        raise ValueError(texts.CONFIG_EXPECT_DURATION)
    return timedelta(**{_DURATION_UNITS[match.group(2)]: int(match.group(1))})


def parse_time_of_day(value: Any) -> time:
    """'08:30' → time(8, 30)."""
    if isinstance(value, time):
        return value
    match = _TIME_RE.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(texts.CONFIG_EXPECT_TIME)
    return time(int(match.group(1)), int(match.group(2)))


def _as_tuple(value: Any) -> Any:
    # TOML arrays arrive as lists; strict mode would refuse them for the immutable tuples.
    return tuple(value) if isinstance(value, list) else value


def _check_code(value: Any) -> str:
    if not isinstance(value, str) or not _CODE_RE.match(value):
        raise ValueError(texts.CONFIG_EXPECT_CODE)
    return value


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
TimeOfDay = Annotated[time, BeforeValidator(parse_time_of_day)]
Code = Annotated[str, BeforeValidator(_check_code)]
T = TypeVar("T")
Tuple = Annotated[tuple[T, ...], BeforeValidator(_as_tuple)]
WordPair = Annotated[tuple[str, str], BeforeValidator(_as_tuple)]
# Messages per second or minute: more than none (pace = false lifts a limit), and finite.
Rate = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class Building(_Frozen):
    code: Code
    name: str
    # Other names residents use for it (老粮站 for 老粮站楼院); 3栋/三号楼 for 3号楼 come anyway
    # (bot/domain/buildings.py). A building a text names becomes the draft's.
    aliases: Tuple[str] = ()


class Grid(_Frozen):
    code: Code
    name: str
    leader_id: int | None = None
    buildings: Tuple[Building] = ()


class Community(_Frozen):
    code: Code
    name: str
    volunteer_chat_id: int | None = None
    coordinators: Tuple[int] = ()
    grids: Tuple[Grid] = ()

    def buildings(self) -> tuple[Building, ...]:
        return tuple(b for g in self.grids for b in g.buildings)

    def building(self, code: str | None) -> Building | None:
        return next((b for b in self.buildings() if b.code == code), None)

    def grid_of(self, building_code: str | None) -> Grid | None:
        return next(
            (g for g in self.grids if any(b.code == building_code for b in g.buildings)), None
        )


class Category(_Frozen):
    name: str
    time_limit: Duration
    keywords: dict[str, float] = Field(default_factory=dict)


class KindWords(_Frozen):
    wish: Tuple[str]
    complaint: Tuple[str]
    suggestion: Tuple[str]
    # Weighted phrases that settle the kind more strongly than one plain kind word (a question
    # to the office is a wish, thanks is feedback): "kind:phrase" = weight, e.g. "wish:几点" = 2.
    weighted: dict[str, float] = Field(default_factory=dict)
    # The category's usual kind (wish in wish_categories, else complaint) starts with this.
    default_weight: float = Field(default=0.5, ge=0)
    # ...plus this much per 100 characters of text (long letters are mostly complaints).
    default_per_100_chars: float = Field(default=0.0, ge=0)

    @field_validator("weighted")
    @classmethod
    def _known_kind(cls, value: dict[str, float]) -> dict[str, float]:
        for key, weight in value.items():
            kind, _, phrase = key.partition(":")
            if kind not in KIND_CODES or not phrase:
                raise ValueError(texts.CONFIG_BAD_KIND_PHRASE.format(key=key))
            if weight <= 0:
                raise ValueError(texts.CONFIG_EXPECT_POSITIVE.format(key=key))
        return value


class Situation(_Frozen):
    """An object and a state near each other: 电梯 + 出不来, 外墙 + 悬. Words alone say little
    (电梯 is in every lift letter, 出不来 in many sentences); together they read a situation.
    A situation adds `weight` to `category`, flags the message urgent, or both."""

    name: str = Field(min_length=1)
    objects: Tuple[str] = Field(min_length=1)
    states: Tuple[str] = Field(min_length=1)
    # The two words must lie within this many characters of each other, in either order.
    window: int = Field(default=12, ge=1, le=80)
    category: str | None = None
    weight: float = Field(default=0.0, ge=0)
    urgent: bool = False
    # Words that, in the same sentence, mean the situation is something else: a lost cat or
    # phone is not a missing person (老人 + 找不到了 … 猫).
    unless: Tuple[str] = ()

    @model_validator(mode="after")
    def _does_something(self) -> Situation:
        if self.category is not None and self.category not in CATEGORY_CODES:
            raise ValueError(texts.CONFIG_UNKNOWN_CATEGORY.format(codes=self.category))
        if (self.category is None) != (self.weight == 0):
            raise ValueError(texts.CONFIG_SITUATION_WEIGHT.format(name=self.name))
        if self.category is None and not self.urgent:
            raise ValueError(texts.CONFIG_SITUATION_NOOP.format(name=self.name))
        if any(not w for w in (*self.objects, *self.states)):
            raise ValueError(texts.CONFIG_EMPTY_WORD.format(name=self.name))
        return self


class Hedges(_Frozen):
    """Words that turn an alarm into something not happening now: chronic (经常), past (去年),
    worried (怕, 万一), suggested (建议), already fixed (已经修好)."""

    # In the same clause, up to `lookback` characters before the alarm word (or between the two
    # words of a situation): 万一着火, 电梯经常困人.
    before: Tuple[str] = ()
    lookback: int = Field(default=8, ge=1, le=40)
    # Anywhere in the same sentence: 上个月有人被困在电梯里; 着火了，已经扑灭了.
    sentence: Tuple[str] = ()
    # Compounds that contain an alarm word but mean something harmless (困难, 火灾隐患).
    not_urgent: Tuple[str] = ()
    # Right before an alarm word or a situation's state: 没冒烟, 不咬人, 未着火.
    negation: Tuple[str] = ()
    # In a text at least this long only alarms in its first sentence (the title) count.
    letter_length: int = Field(default=300, ge=1)
    # ...and alarms in a sentence of it that says the danger is now (现在、刚才、正在): a letter
    # interrupted by an emergency ("写了一半，现在楼里出事了").
    letter_now: Tuple[str] = ()
    # Anywhere in the message: the emergency is over (消防车已经走了, 虚惊一场).
    over: Tuple[str] = ()


class Position(_Frozen):
    """Where a word stands in a long letter changes how much it counts."""

    # Letters from the message board come as "title。body"; a title ending in ？/! also counts.
    title_weight: float = Field(default=2.0, ge=0)
    # The sentence after a main-point marker (今天写信主要是想反映…) and the one after it.
    main_weight: float = Field(default=2.5, ge=0)
    main_markers: Tuple[str] = ()
    # The first sentence that is not formal, when the letter names no main point.
    first_weight: float = Field(default=1.5, ge=0)
    # Asides (顺便提一下, 另外, 先说一件小事): count less.
    side_weight: float = Field(default=0.5, ge=0)
    side_markers: Tuple[str] = ()
    # Sentences starting with one of these are greetings, introductions or closings: ignored.
    formal: Tuple[str] = ()
    # Only texts at least this long get position weighting; short messages count evenly...
    min_length: int = Field(default=120, ge=0)
    # ...unless they turn from a minor matter to the main one (X倒是小事，我主要想说…; …就算了，
    # 最让我揪心的是…): before the first turn counts side_weight, from it on first_weight.
    turn_markers: Tuple[str] = ()


class ClassifierSection(_Frozen):
    urgent_words: Tuple[str]
    # Pairs that are urgent only together ("电梯" + "困"): jieba often splits such phrases.
    urgent_pairs: Tuple[WordPair] = ()
    urgent_time_limit: Duration = timedelta(hours=2)
    # Basic services (water, power, gas, heating) out: a shorter limit than their category's.
    utility_words: Tuple[str] = ()
    utility_time_limit: Duration = timedelta(hours=24)
    # Categories whose requests are usually wishes rather than complaints when no kind word shows.
    wish_categories: Tuple[str] = ("elderly", "children", "hardship")
    kind_words: KindWords
    # Typos and dialect, replaced before anything is matched: 电悌 → 电梯, 楼到 → 楼道.
    replace: dict[str, str] = Field(default_factory=dict)
    situations: Tuple[Situation] = ()
    hedges: Hedges = Hedges()
    position: Position = Position()
    # The runner-up category is offered as `also` when it scores at least this share of the best.
    also_share: float = Field(default=0.6, ge=0, le=1)
    # Each alarm word that flags a message adds alarm_weight to alarm_category (a message that
    # only says 泥石流冲下来了 is a safety matter); none when unset.
    alarm_category: str | None = None
    alarm_weight: float = Field(default=0.0, ge=0)

    @field_validator("replace")
    @classmethod
    def _no_empty_replacement(cls, value: dict[str, str]) -> dict[str, str]:
        for wrong in value:
            if not wrong:
                raise ValueError(texts.CONFIG_EMPTY_REPLACE)
        return value


class RoutingSection(_Frozen):
    # Categories that go to the coordinators for triage instead of straight to volunteers.
    coordinator_categories: Tuple[str] = ("other",)
    # Categories offered straight to the volunteers' group for open claim.
    open_claim_categories: Tuple[str] = ()


class FollowupsSection(_Frozen):
    sweep_interval: Duration = timedelta(seconds=30)
    accept_timeout: Duration = timedelta(hours=2)
    claim_timeout: Duration = timedelta(hours=8)
    # Urgent matters wait less for someone to accept or claim them (their limit is short).
    urgent_accept_timeout: Duration = timedelta(minutes=15)
    urgent_claim_timeout: Duration = timedelta(minutes=30)
    progress_reminder: Duration = timedelta(hours=24)
    confirm_reminder: Duration = timedelta(hours=24)
    auto_close: Duration = timedelta(hours=72)
    revisit_after: Duration = timedelta(days=14)


class DigestSection(_Frozen):
    time: TimeOfDay = time(8, 30)


class QuietHoursSection(_Frozen):
    start: TimeOfDay = time(22, 0)
    end: TimeOfDay = time(7, 30)


class ConversationSection(_Frozen):
    # How long the bot waits for a person's words after asking them something (a comment, a
    # reason, a note, a name): a later text is a new message, never a late answer.
    pending_input_minutes: int = Field(default=30, ge=1, le=24 * 60)


class AbuseSection(_Frozen):
    # At most this many submitted matters per resident within `window` (urgent ones excepted).
    max_submissions: int = Field(default=5, ge=1, le=1000)
    window: Duration = timedelta(minutes=10)


class TelegramSection(_Frozen):
    """Telegram's send limits, which the outbox sender keeps (scheduler/pacing.py). Telegram's
    published values by default; lower them for headroom, never raise them against Telegram."""

    # False lifts every limit (benchmarks, a local Bot API that enforces none). A 429's
    # retry_after is honoured all the same.
    pace: bool = True
    messages_per_second: Rate = 30.0  # over all chats together
    group_messages_per_minute: Rate = 20.0  # per group
    private_messages_per_second: Rate = 1.0  # per private chat
    # ...and this many more at once (Telegram tolerates short bursts to one person): a reply
    # right after a preview need not wait a second. On average one a second all the same.
    private_burst: int = Field(default=2, ge=0)


class BotSection(_Frozen):
    timezone: str = "Asia/Shanghai"
    database_url: str = "sqlite:///data/bot.db"
    api_base_url: str | None = None
    invite_ttl: Duration = timedelta(days=7)
    default_max_open: int = Field(default=3, ge=1, le=100)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(texts.CONFIG_BAD_TIMEZONE.format(tz=value)) from exc
        return value


LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
METRICS_TOKEN_MIN = 16
# Telegram's rule for a webhook's secret_token (1–256 of A-Z a-z 0-9 _ -), and ours: at least
# as long as the metrics token, since it is all that stands between the world and the inbox.
WEBHOOK_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{16,256}$")
_PUBLIC_URL_RE = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?(/[A-Za-z0-9._~%!$&'()*+,;=:@/-]*)?$")


class WebSection(_Frozen):
    """The one web app (playground, /healthz, /metrics, the webhook, later the dashboard):
    one port. `python -m bot run` serves it too."""

    host: str = "127.0.0.1"
    # 0: any free port (tests); the address the bot listens on is logged at start.
    port: int = Field(default=8080, ge=0, le=65535)
    # How people and Telegram reach it from outside (links in messages; `run --webhook` sets
    # the webhook to public_url + "/telegram/<path>"): http(s)://host[:port][/prefix], no query.
    public_url: str = ""
    # /metrics and /healthz answer this machine (loopback) without it; anyone else must send
    # "Authorization: Bearer <metrics_token>". Empty: loopback only.
    metrics_token: str = ""

    @field_validator("public_url")
    @classmethod
    def _plain_url(cls, value: str) -> str:
        if value and not _PUBLIC_URL_RE.match(value):
            raise ValueError(texts.CONFIG_BAD_PUBLIC_URL.format(value=value))
        return value.rstrip("/")

    @field_validator("metrics_token")
    @classmethod
    def _long_enough(cls, value: str) -> str:
        if value and (len(value) < METRICS_TOKEN_MIN or value != value.strip()):
            raise ValueError(texts.CONFIG_METRICS_TOKEN_SHORT.format(n=METRICS_TOKEN_MIN))
        return value


class OpsSection(_Frozen):
    """Running it: the logs, and when /healthz calls the bot stale (503)."""

    # "text" (one line per event, for people) or "json" (one JSON object per line, for a
    # log collector; update_id, chat and ticket on each line where known).
    log_format: str = "text"
    log_level: str = "INFO"
    # /healthz answers 503 when the follow-up sweep has not completed for this long...
    sweep_stale_after: Duration = timedelta(minutes=5)
    # ...or when an owed message has been due this long and nothing was sent meanwhile.
    send_stale_after: Duration = timedelta(minutes=10)

    @field_validator("log_format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        if value not in LOG_FORMATS:
            raise ValueError(texts.CONFIG_EXPECT_ONE_OF.format(values=" / ".join(LOG_FORMATS)))
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise ValueError(texts.CONFIG_EXPECT_ONE_OF.format(values=" / ".join(LOG_LEVELS)))
        return value.upper()


class Config(_Frozen):
    bot: BotSection = BotSection()
    web: WebSection = WebSection()
    ops: OpsSection = OpsSection()
    followups: FollowupsSection = FollowupsSection()
    digest: DigestSection = DigestSection()
    quiet_hours: QuietHoursSection = QuietHoursSection()
    routing: RoutingSection = RoutingSection()
    conversation: ConversationSection = ConversationSection()
    abuse: AbuseSection = AbuseSection()
    telegram: TelegramSection = TelegramSection()
    classifier: ClassifierSection
    categories: dict[str, Category]
    communities: Tuple[Community]
    # Never read from the file: only from TELEGRAM_BOT_TOKEN.
    token: str | None = Field(default=None, exclude=True)
    # Never read from the file: only from BOT_BLOCK_KEY (the key of the blocked residents'
    # hashes; without it the bot keeps a random key in the database, bot/services/abuse.py).
    block_key: str | None = Field(default=None, exclude=True)
    # Never read from the file: only from TELEGRAM_WEBHOOK_SECRET (`run --webhook`: Telegram
    # sends it with every update; the webhook's path is derived from it).
    webhook_secret: str | None = Field(default=None, exclude=True)

    @field_validator("webhook_secret")
    @classmethod
    def _telegram_secret(cls, value: str | None) -> str | None:
        if value is not None and not WEBHOOK_SECRET_RE.match(value):
            raise ValueError(texts.CONFIG_BAD_WEBHOOK_SECRET)
        return value

    @model_validator(mode="after")
    def _cross_references(self) -> Config:
        if not self.communities:
            raise ValueError(texts.CONFIG_NO_COMMUNITIES)
        missing = [c for c in CATEGORY_CODES if c not in self.categories]
        if missing:
            raise ValueError(texts.CONFIG_MISSING_CATEGORIES.format(codes=", ".join(missing)))
        unknown = [c for c in self.categories if c not in CATEGORY_CODES]
        if unknown:
            raise ValueError(texts.CONFIG_UNKNOWN_CATEGORY.format(codes=", ".join(unknown)))
        for section, codes in (
            ("routing.coordinator_categories", self.routing.coordinator_categories),
            ("routing.open_claim_categories", self.routing.open_claim_categories),
            ("classifier.wish_categories", self.classifier.wish_categories),
            ("classifier.alarm_category", tuple(filter(None, [self.classifier.alarm_category]))),
        ):
            bad = [c for c in codes if c not in CATEGORY_CODES]
            if bad:
                raise ValueError(
                    texts.CONFIG_UNKNOWN_CATEGORY_IN.format(key=section, codes=", ".join(bad))
                )
        if self.ops.sweep_stale_after < 2 * self.followups.sweep_interval:
            raise ValueError(texts.CONFIG_SWEEP_STALE_TOO_SHORT.format(
                interval=_duration_text(self.followups.sweep_interval)))
        seen: set[str] = set()
        buildings_seen: set[str] = set()
        for community in self.communities:
            if community.code in seen:
                raise ValueError(texts.CONFIG_DUPLICATE_CODE.format(code=community.code))
            seen.add(community.code)
            # Unique across communities too: a building's QR code carries only its own code.
            building_codes = [b.code for b in community.buildings()]
            if len(building_codes) != len(set(building_codes)) or (
                buildings_seen & set(building_codes)
            ):
                raise ValueError(texts.CONFIG_DUPLICATE_BUILDING.format(community=community.code))
            buildings_seen.update(building_codes)
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.bot.timezone)

    def community(self, code: str | None) -> Community | None:
        return next((c for c in self.communities if c.code == code), None)

    def category_name(self, code: str) -> str:
        category = self.categories.get(code)
        return category.name if category else code

    def communities_coordinated_by(self, user_id: int) -> tuple[Community, ...]:
        return tuple(c for c in self.communities if user_id in c.coordinators)

    def communities_led_by(self, user_id: int) -> tuple[Community, ...]:
        """The communities where `user_id` is the 网格长 of a grid."""
        return tuple(c for c in self.communities
                     if any(g.leader_id == user_id for g in c.grids))

    def category_code(self, words: str) -> str | None:
        """The category a person names: its code (sanitation) or its name (环境卫生)."""
        words = words.strip()
        if words in self.categories:
            return words
        return next((code for code, c in self.categories.items() if c.name == words), None)


def _duration_text(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f'"{seconds // size}{unit}"'
    return f'"{seconds}s"'


def _error_location(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif str(item).startswith("function-") or item in ("tuple", "dict"):
            continue
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or texts.CONFIG_TOP_LEVEL


def _describe(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    if kind == "value_error":
        return str(error["ctx"]["error"])
    return texts.CONFIG_ERROR_TYPES.get(kind, error["msg"])


def build_config(raw: Mapping[str, Any], env: Mapping[str, str], source: str) -> Config:
    """Validate parsed TOML plus environment overrides; raise ConfigError naming the key."""
    data = dict(raw)
    bot_section = dict(data.get("bot", {})) if isinstance(data.get("bot", {}), dict) else None
    if bot_section is not None:
        if env.get("DATABASE_URL"):
            bot_section["database_url"] = env["DATABASE_URL"]
        if env.get("TELEGRAM_API_BASE_URL"):
            bot_section["api_base_url"] = env["TELEGRAM_API_BASE_URL"]
        data["bot"] = bot_section
    web_section = dict(data.get("web", {})) if isinstance(data.get("web", {}), dict) else None
    if web_section is not None and (env.get("WEB_HOST") or env.get("WEB_PORT")
                                    or env.get("WEB_PUBLIC_URL")):
        if env.get("WEB_PUBLIC_URL"):
            web_section["public_url"] = env["WEB_PUBLIC_URL"].strip()
        if env.get("WEB_HOST"):
            web_section["host"] = env["WEB_HOST"]
        if env.get("WEB_PORT"):
            port = env["WEB_PORT"].strip()
            if not port.isascii() or not port.isdigit():
                raise ConfigError(texts.CONFIG_BAD_WEB_PORT_ENV.format(value=env["WEB_PORT"]))
            web_section["port"] = int(port)
        data["web"] = web_section
    if "token" in data:
        raise ConfigError(texts.CONFIG_TOKEN_IN_FILE.format(path=source))
    data["token"] = env.get("TELEGRAM_BOT_TOKEN") or None
    if "block_key" in data:
        raise ConfigError(texts.CONFIG_BLOCK_KEY_IN_FILE.format(path=source))
    data["block_key"] = env.get("BOT_BLOCK_KEY") or None
    if "webhook_secret" in data:
        raise ConfigError(texts.CONFIG_WEBHOOK_SECRET_IN_FILE.format(path=source))
    data["webhook_secret"] = env.get("TELEGRAM_WEBHOOK_SECRET") or None
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        lines = [
            texts.CONFIG_ERROR_LINE.format(
                path=source, key=_error_location(err["loc"]), problem=_describe(err)
            )
            for err in exc.errors()
        ]
        raise ConfigError("\n".join(lines)) from None


def load_config(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Read the TOML file (BOT_CONFIG or the shipped config.toml) and validate it."""
    env = os.environ if env is None else env
    config_path = config_path_of(path, env)
    try:
        data = config_path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(texts.CONFIG_NOT_FOUND.format(path=config_path)) from None
    return parse_config(data, config_path, env)


def config_path_of(path: str | Path | None, env: Mapping[str, str]) -> Path:
    """The file load_config reads: `path`, else BOT_CONFIG, else the shipped config.toml."""
    return Path(path or env.get("BOT_CONFIG") or DEFAULT_CONFIG_PATH)


def parse_config(data: bytes, config_path: Path, env: Mapping[str, str]) -> Config:
    """The file's bytes, already read, validated (the keyword reload reads them once, hashes
    them and validates exactly what it hashed)."""
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(texts.CONFIG_BAD_TOML.format(path=config_path, error=exc)) from None
    return build_config(raw, env, str(config_path))
