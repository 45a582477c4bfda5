"""Webhook delivery of the local Bot API: several updates at once, each chat's in order.

``setWebhook(url, secret_token, allowed_updates, drop_pending_updates, max_connections)``,
``deleteWebhook`` and ``getWebhookInfo`` (the url, the pending count, max_connections, the last
delivery error) answer as Telegram's do. While a webhook is set, getUpdates answers 409 and up to
``max_connections`` threads (1–100, default 40, clamped as Telegram's server clamps it), each
with an HTTP connection of its own, POST queued updates as JSON with the header
X-Telegram-Bot-Api-Secret-Token, as Telegram keeps up to that many connections open. A 2xx
answer acknowledges an update; anything else, or no answer within ``webhook_timeout``, fails it.

Order, the stand-in's choice: parallel across chats, sequential within one. An update is not
delivered while an earlier update of its chat (for an update without a chat, such as an inline
query: of its user) is in flight or waiting for a retry; an update with neither (a poll's new
state) waits for nobody. Telegram documents no order for webhooks; it only says update_id lets
a bot put updates back in sequence, should they get out of order. Telegram's open-source Bot API
server (tdlib/telegram-bot-api: Client.cpp gives each update a queue, WebhookActor.cpp sends a
queue's updates one at a time) queues messages by chat likewise, but puts a user's button presses
in a queue of their own; here a press waits behind its chat's earlier messages.

Retries, per update: a failed update waits ``webhook_retry`` s before it is tried again, twice
as long after each further failure, up to ``webhook_retry_max``, and its chat's later updates
wait behind it; other chats' updates go on meanwhile, so one refused update (a replica that
answers 503 while it starts) holds up only its own chat, where one failure used to pause all
delivery. A webhook nobody answers thus sees each pending update tried on its own schedule,
never more than max_connections at once. The open-source server also backs off per update
(doubling, up to a minute or two). Unlike it, the stand-in neither honours a Retry-After header
nor drops to one connection while the webhook keeps failing.

``load_balance([base, …])`` stands in for a load balancer in front of several replicas: each
attempt goes to the next base URL in turn (plus the webhook URL's path), a retry to the next one
too. ``deliveries()`` lists every attempt, in the order the answers came. Unlike Telegram, plain
http:// URLs and any port are accepted (the bot runs on 127.0.0.1 in tests and the playground).
"""

from __future__ import annotations

import json
import re
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

JSON = dict[str, Any]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's rule for secret_token: 1–256 characters, A-Z, a-z, 0-9, _ and -.
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
MAX_CONNECTIONS, MAX_CONNECTIONS_LIMIT = 40, 100  # Telegram's default and its upper bound
# How long an idle delivery thread sleeps before it looks again without being woken: a
# safety net only, every change that matters wakes one.
_IDLE = 1.0


class BadWebhook(Exception):
    """setWebhook refused: LocalBotApi answers it as a 400 with this description."""


@dataclass(eq=False)  # compared by identity: the same update may be queued twice
class Queued:
    """An update waiting for getUpdates or the webhook."""

    update: JSON
    delivered: bool = False  # handed out by getUpdates
    in_flight: bool = False  # a webhook POST of it has not been answered yet
    not_before: float = 0.0  # monotonic time of its next webhook attempt, after a failure
    backoff: float = 0.0  # the wait after its last failure (doubles with each)
    order: int | None = None  # its chat's (else its user's) id: one at a time per id


@dataclass(frozen=True)
class Delivery:
    """One webhook delivery attempt: where, which update, and the answer (0: none came)."""

    url: str
    update_id: int
    status: int
    time: float
    error: str = ""

    @property
    def acknowledged(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class Webhook:
    url: str
    secret: str | None
    allowed_updates: list[str] | None
    max_connections: int = MAX_CONNECTIONS
    last_error_date: int | None = None
    last_error_message: str | None = None

    def allows(self, update: JSON) -> bool:
        return not self.allowed_updates or set(update) <= {*self.allowed_updates, "update_id"}


def order_key(update: JSON) -> int | None:
    """The chat an update belongs to, else the user who caused it (None: neither)."""
    for key, value in update.items():
        if key == "update_id" or not isinstance(value, dict):
            continue
        chat = value.get("chat") or (value.get("message") or {}).get("chat")
        who = chat or value.get("from") or value.get("user")
        if isinstance(who, dict) and isinstance(who.get("id"), int):
            return int(who["id"])
    return None


def _max_connections(raw: Any) -> int:
    if raw is None or raw == "":
        return MAX_CONNECTIONS
    return min(max(int(raw), 1), MAX_CONNECTIONS_LIMIT)  # Telegram clamps, it does not refuse


class WebhookDelivery:
    """LocalBotApi's webhook side (see the module docstring); mixed into LocalBotApi, whose
    lock, queue and clocks it shares."""

    _cond: threading.Condition
    _queue: list[Queued]
    _last_activity: float
    wall_clock: Callable[[], float]

    def _init_delivery(self, lock: threading.RLock, retry: float, retry_max: float,
                       timeout: float) -> None:
        # The first retry's wait and its cap (doubling in between), and how long one POST may
        # take before it counts as failed.
        self.webhook_retry, self.webhook_retry_max = retry, retry_max
        self.webhook_timeout = timeout
        # Delivery threads wait on a condition of their own over the same lock, so the Bot API
        # calls that wake the rest (every one does) do not wake up to 100 idle threads each.
        self._wake = threading.Condition(lock)
        self._webhook: Webhook | None = None
        self._backends: list[str] = []  # load_balance(): delivered to these in turn
        self._next_backend = 0
        self._deliveries: list[Delivery] = []
        self._workers: list[threading.Thread] = []
        self._delivering = False
        self._generation = 0  # a stop retires the threads of the generation before it
        self._in_flight = 0
        # One TLS set-up shared by every connection: making one per client costs ~0.1 s.
        self._tls: ssl.SSLContext | None = None

    def start_delivery(self) -> None:
        """Start delivering to the webhook, once one is set (start() does; a caller serving
        the app itself, as the playground does, calls it if its bot is to use a webhook)."""
        with self._cond:
            if self._delivering:
                return
            self._delivering = True
            self._generation += 1
            self._grow_pool()

    def stop_delivery(self) -> None:
        """Stop delivering: POSTs under way finish (or time out), nothing new is started."""
        with self._cond:
            workers, self._workers = self._workers, []
            self._delivering = False
            self._wake.notify_all()
        deadline = time.monotonic() + self.webhook_timeout + 5
        for worker in workers:
            worker.join(timeout=max(0.0, deadline - time.monotonic()))

    def load_balance(self, bases: list[str]) -> None:
        """Deliver webhook updates to these base URLs in turn (a load balancer in front of
        replicas), each with the path of the URL setWebhook gave; [] goes back to that URL."""
        with self._cond:
            self._backends = [b.rstrip("/") for b in bases]
            self._next_backend = 0

    def deliveries(self) -> list[Delivery]:
        """Every webhook delivery attempt so far, in the order their answers came."""
        with self._cond:
            return list(self._deliveries)

    @property
    def webhook_url(self) -> str:
        """The URL setWebhook set ("" when updates are fetched with getUpdates)."""
        with self._cond:
            return self._webhook.url if self._webhook else ""

    def _queue_update(self, update: JSON) -> None:
        """Under the lock: queue a pushed update and wake one delivery thread for it."""
        self._queue.append(Queued(update, order=order_key(update)))
        self._wake.notify()

    def _set_webhook(self, params: JSON) -> bool:
        url = str(params["url"])
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise BadWebhook("Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_RE.match(str(secret)):
            raise BadWebhook("Bad Request: secret token contains unallowed characters")
        allowed = params.get("allowed_updates")
        if isinstance(allowed, str):
            allowed = json.loads(allowed)
        self._webhook = Webhook(url, None if secret is None else str(secret), allowed or None,
                                _max_connections(params.get("max_connections")))
        self._drop_pending(bool(params.get("drop_pending_updates")))
        self._grow_pool()
        return True

    def _delete_webhook(self, drop_pending: bool) -> None:
        self._webhook = None
        self._drop_pending(drop_pending)

    def _drop_pending(self, drop: bool) -> None:
        if drop:  # updates in flight are let go: their answers change nothing
            self._queue.clear()
        self._cond.notify_all()  # a long poll returns (409 from now on, or what is left)
        self._wake.notify_all()

    def _webhook_info(self) -> JSON:
        hook = self._webhook
        pending = len(self._queue) if hook else sum(not q.delivered for q in self._queue)
        info: JSON = {"url": hook.url if hook else "", "has_custom_certificate": False,
                      "pending_update_count": pending}
        if hook is not None:
            info["max_connections"] = hook.max_connections
            if hook.allowed_updates:
                info["allowed_updates"] = hook.allowed_updates
            if hook.last_error_date is not None:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
        return info

    def _grow_pool(self) -> None:
        """Under the lock: as many delivery threads as the webhook's max_connections (a lower
        max_connections set later leaves the extra threads idle: they obey it)."""
        if not self._delivering or self._webhook is None:
            return
        if self._tls is None:
            self._tls = ssl.create_default_context()
        while len(self._workers) < self._webhook.max_connections:
            worker = threading.Thread(target=self._deliver_forever, args=(self._generation,),
                                      daemon=True, name=f"local-api-webhook-{len(self._workers)}")
            self._workers.append(worker)
            worker.start()

    def _target(self, url: str) -> str:
        """Where this attempt goes: the webhook URL, or the next replica behind it."""
        if not self._backends:
            return url
        parts = urlsplit(url)
        base = self._backends[self._next_backend % len(self._backends)]
        self._next_backend += 1
        return base + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

    def _ready(self, hook: Webhook, now: float) -> tuple[list[Queued], float]:
        """Under the lock: up to two updates that may go now, oldest first, and how long to
        wait for the next retry when none may. Drops updates allowed_updates leaves out."""
        ready: list[Queued] = []
        busy: set[int] = set()  # chats with an earlier update still unacknowledged
        unwanted: list[Queued] = []
        wait = _IDLE
        for item in self._queue:
            if item.order is not None and item.order in busy:
                continue
            if not item.in_flight and not hook.allows(item.update):
                unwanted.append(item)
                continue
            if item.order is not None:
                busy.add(item.order)
            if item.in_flight:
                continue
            if item.not_before > now:
                wait = min(wait, item.not_before - now)
                continue
            ready.append(item)
            if len(ready) == 2:
                break
        for item in unwanted:
            self._queue.remove(item)
        return ready, wait

    def _next_delivery(self, generation: int) -> tuple[Webhook, Queued, str] | None:
        """Under the lock: the next update this thread delivers (None: stopping)."""
        while self._delivering and self._generation == generation:
            hook = self._webhook
            if hook is None or self._in_flight >= hook.max_connections:
                self._wake.wait(_IDLE)
                continue
            ready, wait = self._ready(hook, time.monotonic())
            if not ready:
                self._wake.wait(wait)
                continue
            item = ready[0]
            item.in_flight = True
            self._in_flight += 1
            if self._in_flight < hook.max_connections and (len(ready) > 1 or wait < _IDLE):
                # Another may go too, or a retry falls due soon: an idle thread sees to it.
                self._wake.notify()
            return hook, item, self._target(hook.url)
        return None

    def _deliver_forever(self, generation: int) -> None:
        """One connection's loop: POST the next update that may go, record the answer."""
        with httpx.Client(timeout=self.webhook_timeout, verify=self._tls or True) as client:
            while True:
                with self._cond:
                    found = self._next_delivery(generation)
                    if found is None:
                        return
                    hook, item, url = found
                    body = json.dumps(item.update, ensure_ascii=False).encode()
                headers = {"Content-Type": "application/json"}
                if hook.secret is not None:
                    headers[SECRET_HEADER] = hook.secret
                try:
                    answer = client.post(url, content=body, headers=headers)
                    status = answer.status_code
                    error = "" if 200 <= status < 300 else (
                        f"Wrong response from the webhook: {status} {answer.reason_phrase}")
                except httpx.HTTPError as exc:
                    status, error = 0, f"Connection failed: {exc!r}"
                with self._cond:
                    self._answered(hook, item, Delivery(url, item.update["update_id"], status,
                                                        time.monotonic(), error))

    def _answered(self, hook: Webhook, item: Queued, delivery: Delivery) -> None:
        """Under the lock: record an attempt; acknowledged, the update leaves the queue (its
        chat's next may go), else it waits, doubling, before it is tried again."""
        self._deliveries.append(delivery)
        item.in_flight = False
        self._in_flight -= 1
        now = time.monotonic()
        if delivery.error:
            hook.last_error_date = int(self.wall_clock())
            hook.last_error_message = delivery.error
            item.backoff = min(max(item.backoff * 2, self.webhook_retry), self.webhook_retry_max)
            item.not_before = now + item.backoff
        elif item in self._queue:  # gone if dropped meanwhile (drop_pending_updates)
            self._queue.remove(item)
        self._last_activity = now
        self._cond.notify_all()  # wait_idle and the tests' waits
