// The playground page: people act through the local Bot API, live news comes by server-sent events.
"use strict";

const state = { people: [], group: null, chats: {}, me: null, tour: [], tz: undefined };
const $ = (id) => document.getElementById(id);

async function api(path, body, raw) {
  const options = { method: body === undefined && !raw ? "GET" : "POST" };
  if (raw) {
    options.body = raw.body;
    options.headers = { "Content-Type": raw.type };
  } else if (body !== undefined) {
    options.body = JSON.stringify(body);
    options.headers = { "Content-Type": "application/json" };
  }
  const answer = await fetch(path, options);
  const data = await answer.json().catch(() => ({}));
  if (!answer.ok) throw new Error(data.error || "页面和机器人之间出了点问题");
  return data;
}

function person(id) { return state.people.find((p) => p.id === id); }
function chat(id) {
  const key = String(id);
  if (!state.chats[key]) state.chats[key] = { messages: [], keyboard: null };
  return state.chats[key];
}

// ---- rendering --------------------------------------------------------------------------

function fileUrl(fileId) { return "/api/file/" + encodeURIComponent(fileId); }

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

function timeOf(message) {
  const when = new Date((message.edit_date || message.date) * 1000);
  // The bot's own time zone and clock (the playground's clock moves), not the browser's.
  return when.toLocaleString("zh-CN", { timeZone: state.tz, month: "numeric", day: "numeric",
    hour: "2-digit", minute: "2-digit" }) +
    (message.edit_date ? " 已编辑" : "");
}

function renderMessage(chatId, message) {
  const fromBot = message.from && message.from.is_bot;
  const mine = !fromBot && state.me && message.from && message.from.id === state.me;
  const box = el("div", "msg" + (mine ? " mine" : ""));
  box.dataset.messageId = message.message_id;
  box.dataset.testid = "message";
  if (chatId < 0 || (!fromBot && !mine)) {
    const name = fromBot ? "机器人" : (message.from && message.from.first_name) || "";
    box.appendChild(el("div", "who", name));
  }
  if (message.photo) {
    const sizes = message.photo;
    const img = el("img", "photo");
    img.alt = "照片";
    img.src = fileUrl(sizes[sizes.length - 1].file_id);
    img.dataset.testid = "photo";
    img.addEventListener("error", () => { img.replaceWith(el("div", "doc", "🖼 照片")); });
    img.addEventListener("load", () => stickToEnd(img.closest(".messages")));
    const full = el("a");
    full.href = img.src;
    full.target = "_blank";
    full.rel = "noopener";
    full.title = "点开看大图";
    full.appendChild(img);
    box.appendChild(full);
  }
  if (message.document) {
    const doc = el("div", "doc");
    const link = el("a", "", "📄 " + (message.document.file_name || "文件"));
    link.href = fileUrl(message.document.file_id);
    link.download = message.document.file_name || "file";
    doc.appendChild(link);
    box.appendChild(doc);
  }
  if (message.voice) {
    const audio = el("audio");
    audio.controls = true;
    audio.src = fileUrl(message.voice.file_id);
    box.appendChild(el("div", "", "🎤 语音 " + (message.voice.duration || 1) + " 秒"));
    box.appendChild(audio);
  }
  if (message.location) {
    box.appendChild(el("div", "place", "📍 位置 " + message.location.latitude.toFixed(4) + ", " +
      message.location.longitude.toFixed(4)));
  }
  if (message.contact) {
    box.appendChild(el("div", "", "📞 分享了手机号 " + message.contact.phone_number));
  }
  if (message.sticker) box.appendChild(el("div", "", message.sticker.emoji || "贴纸"));
  let text = message.text || message.caption;
  // Telegram shows a deep link's start as just "/start".
  if (!fromBot && text && text.startsWith("/start ")) text = "/start";
  if (text) box.appendChild(el("div", "text", text));
  const markup = message.reply_markup && message.reply_markup.inline_keyboard;
  if (markup && markup.length) {
    const keyboard = el("div", "keyboard");
    for (const row of markup) {
      const line = el("div", "row");
      for (const button of row) {
        if (button.url) {
          const link = el("a", "", button.text);
          link.href = button.url;
          link.target = "_blank";
          link.rel = "noopener";
          line.appendChild(link);
        } else {
          const press = el("button", "", button.text);
          press.type = "button";
          press.addEventListener("click", () => pressButton(chatId, message.message_id, button.callback_data));
          line.appendChild(press);
        }
      }
      keyboard.appendChild(line);
    }
    box.appendChild(keyboard);
  }
  box.appendChild(el("div", "meta", timeOf(message)));
  return box;
}

function renderChat(chatId) {
  const isGroup = state.group && chatId === state.group.id;
  if (!isGroup && chatId !== state.me) return;
  const pane = $(isGroup ? "group-messages" : "private-messages");
  const nearBottom = pane.scrollHeight - pane.scrollTop - pane.clientHeight < 80;
  pane.replaceChildren(...chat(chatId).messages.map((m) => renderMessage(chatId, m)));
  if (nearBottom || pane.dataset.chat !== String(chatId)) pane.dataset.stick = "1";
  pane.dataset.chat = String(chatId);
  if (!isGroup) {
    $("start-wrap").hidden = chat(chatId).messages.length > 0;
    renderReplyKeyboard();
  }
  // After the reply keyboard: showing it makes the pane shorter.
  stickToEnd(pane);
}

// A chat opened or followed stays at its newest message, also while its pictures load.
function stickToEnd(pane) {
  if (pane && pane.dataset.stick === "1") pane.scrollTop = pane.scrollHeight;
}

function watchScroll(pane) {
  pane.addEventListener("scroll", () => {
    pane.dataset.stick = pane.scrollHeight - pane.scrollTop - pane.clientHeight < 80 ? "1" : "0";
  });
  // The pane's height changes (the reply keyboard, the window) and the Chinese web font
  // arriving late makes every message taller: a chat that was at its end stays there.
  if (window.ResizeObserver) new ResizeObserver(() => stickToEnd(pane)).observe(pane);
  if (document.fonts) document.fonts.ready.then(() => stickToEnd(pane));
}

function renderReplyKeyboard() {
  const holder = $("reply-keyboard");
  const markup = state.me ? chat(state.me).keyboard : null;
  holder.replaceChildren();
  holder.hidden = !markup;
  if (!markup) return;
  for (const row of markup.keyboard || []) {
    for (const key of row) {
      const label = typeof key === "string" ? key : key.text;
      const button = el("button", "", label);
      button.type = "button";
      button.addEventListener("click", () => {
        if (key.request_contact) act({ kind: "contact" });
        else act({ kind: "text", text: label });
      });
      holder.appendChild(button);
    }
  }
}

function renderPeople() {
  const list = $("people");
  list.replaceChildren();
  for (const p of state.people) {
    const item = el("li");
    const button = el("button", p.id === state.me ? "on" : "");
    button.type = "button";
    button.dataset.person = p.id;
    button.appendChild(el("span", "name", p.name));
    button.appendChild(el("span", "label", p.label));
    button.addEventListener("click", () => choose(p.id));
    item.appendChild(button);
    list.appendChild(item);
  }
  $("tour-done").hidden = !state.tour.length || state.tour.some((step) => !step.done);
}

function renderTour() {
  const list = $("tour");
  list.replaceChildren();
  let nextMarked = false;
  for (const step of state.tour) {
    const item = el("li", step.done ? "done" : "");
    item.dataset.step = step.key;
    item.dataset.done = step.done ? "yes" : "no";
    if (!step.done && !nextMarked) { item.classList.add("next"); nextMarked = true; }
    item.appendChild(el("div", "title", step.title));
    item.appendChild(el("div", "hint", step.hint));
    list.appendChild(item);
  }
  $("tour-done").hidden = !state.tour.length || state.tour.some((step) => !step.done);
}

function choose(id) {
  state.me = id;
  const p = person(id);
  history.replaceState(null, "", "#as=" + id);
  $("private-title").textContent = "私聊 · " + p.name + "（" + p.label + "）";
  const resident = p.role === "resident";
  $("group-title").textContent = state.group.name + (resident ? "" : " · 您是 " + p.name);
  $("private-text").placeholder = resident ? "打字说说您的事……" : "打字回复机器人，或发命令如 /help";
  $("group-form").classList.toggle("disabled", resident);
  $("group-note").hidden = !resident;
  for (const tool of ["photo-button", "location-button", "voice-button"]) $(tool).hidden = !resident;
  renderPeople();
  renderChat(id);
  if (state.group) renderChat(state.group.id);
  showPane("private");
  stickToEnd($("private-messages"));
}

// ---- acting -------------------------------------------------------------------------------

function toast(text) {
  const box = $("toast");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, 2500);
}

function alertDialog(text) {
  $("dialog-text").textContent = text;
  $("dialog").hidden = false;
  $("dialog-ok").focus();
}

async function act(body) {
  if (!state.me) return;
  try {
    await api("/api/send", { as: state.me, chat: state.me, ...body });
  } catch (error) {
    toast("没发出去：" + error.message);
  }
}

async function pressButton(chatId, messageId, data) {
  if (!state.me) return;
  try {
    await api("/api/press", { as: state.me, chat: chatId, message_id: messageId, data });
  } catch (error) {
    toast(chatId < 0 && person(state.me).role === "resident" ? "居民不在志愿者群里" : "按不了：" + error.message);
  }
}

function wireComposer(formId, textId, chatOf) {
  const form = $(formId);
  const box = $(textId);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = box.value.trim();
    if (!text || !state.me) return;
    box.value = "";
    try {
      await api("/api/send", { as: state.me, chat: chatOf(), kind: "text", text });
    } catch (error) {
      box.value = text;
      toast("没发出去：" + error.message);
    }
  });
  box.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
}

async function moveClock(step, button) {
  const buttons = document.querySelectorAll(".clock button");
  buttons.forEach((b) => { b.disabled = true; });
  $("bot-time").textContent = "时间前进中……";
  try {
    const answer = await api("/api/clock", { step });
    $("bot-time").textContent = answer.time;
    refreshTour();
  } catch (error) {
    toast("时间没能前进：" + error.message);
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
    button.blur();
  }
}

function showPane(name) {
  document.querySelectorAll(".pane").forEach((pane) => {
    pane.classList.toggle("current", pane.id === "pane-" + name);
  });
  document.querySelectorAll("#tabs button").forEach((tab) => {
    tab.classList.toggle("on", tab.dataset.pane === name);
  });
}

// ---- live news ------------------------------------------------------------------------------

let tourTimer = null;
function refreshTour() {
  clearTimeout(tourTimer);
  tourTimer = setTimeout(async () => {
    const answer = await api("/api/tour").catch(() => null);
    if (!answer) return;
    state.tour = answer.tour;
    $("bot-time").textContent = answer.time;
    renderTour();
  }, 300);
}

function onEvent(event) {
  if (event.type === "reset") { loadState(); return; }
  if (event.type === "clock") { $("bot-time").textContent = event.time; refreshTour(); return; }
  if (event.type === "answer") {
    if (event.user_id === state.me && event.text) {
      if (event.show_alert) alertDialog(event.text); else toast(event.text);
    }
    return;
  }
  const c = chat(event.chat_id);
  if (event.type === "keyboard") {
    c.keyboard = event.keyboard;
    if (event.chat_id === state.me) renderReplyKeyboard();
    return;
  }
  if (event.type === "message" || event.type === "edit") {
    const at = c.messages.findIndex((m) => m.message_id === event.message.message_id);
    if (at >= 0) c.messages[at] = event.message; else c.messages.push(event.message);
    c.messages.sort((a, b) => a.message_id - b.message_id);
  } else if (event.type === "delete") {
    c.messages = c.messages.filter((m) => m.message_id !== event.message_id);
  }
  renderChat(event.chat_id);
  markUnread(event.chat_id);
  refreshTour();
}

function markUnread(chatId) {
  if (chatId === state.me || chatId < 0) return;
  const button = document.querySelector('[data-person="' + chatId + '"]');
  if (button && !button.querySelector(".dot")) button.appendChild(el("span", "dot", "● 有新消息"));
}

async function loadState() {
  const data = await api("/api/state");
  state.people = data.people;
  state.group = data.group;
  state.tour = data.tour;
  state.tz = data.tz;
  state.chats = {};
  for (const [id, c] of Object.entries(data.chats)) state.chats[id] = c;
  $("bot-time").textContent = data.time;
  $("group-title").textContent = data.group.name;
  renderTour();
  const remembered = Number((location.hash.match(/as=(\d+)/) || [])[1]);
  const first = state.me || remembered;
  choose(first && person(first) ? first : state.people[0].id);
  if (!first) showPane("people");
}

function connect() {
  const source = new EventSource("/api/events");
  source.onmessage = (message) => onEvent(JSON.parse(message.data));
  // After a lost connection the page may have missed news: load everything again.
  source.onopen = () => { if (connect.opened) loadState(); connect.opened = true; };
}

document.addEventListener("DOMContentLoaded", async () => {
  watchScroll($("private-messages"));
  watchScroll($("group-messages"));
  wireComposer("private-form", "private-text", () => state.me);
  wireComposer("group-form", "group-text", () => state.group.id);
  $("start").addEventListener("click", () => {
    const p = person(state.me);
    act({ kind: "text", text: p.start ? "/start " + p.start : "/start" });
  });
  $("photo-button").addEventListener("click", () => $("photo-input").click());
  $("photo-input").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    event.target.value = "";
    if (!file || !state.me) return;
    const caption = $("private-text").value.trim();
    $("private-text").value = "";
    try {
      await api("/api/photo?as=" + state.me + "&caption=" + encodeURIComponent(caption), undefined,
        { body: file, type: file.type || "image/jpeg" });
    } catch (error) {
      toast("照片没发出去：" + error.message);
    }
  });
  $("location-button").addEventListener("click", () => act({ kind: "location" }));
  $("voice-button").addEventListener("click", () => act({ kind: "voice" }));
  document.querySelectorAll(".clock .time").forEach((button) => {
    button.addEventListener("click", () => moveClock(button.dataset.step, button));
  });
  $("reset").addEventListener("click", () => { $("confirm-reset").hidden = false; });
  $("reset-no").addEventListener("click", () => { $("confirm-reset").hidden = true; });
  $("reset-yes").addEventListener("click", async () => {
    $("confirm-reset").hidden = true;
    await api("/api/reset", {}).catch((error) => toast("没能重新开始：" + error.message));
  });
  $("dialog-ok").addEventListener("click", () => { $("dialog").hidden = true; });
  document.querySelectorAll("#tabs button").forEach((tab) => {
    tab.addEventListener("click", () => showPane(tab.dataset.pane));
  });
  await loadState();
  connect();
});
