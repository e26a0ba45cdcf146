/*
 * Kefu chat widget. Served by the web app as /widget.js, wrapped with socket.io-client
 * (KEFU_IO), the widget's CSS (KEFU_CSS) and the default Rasa port (KEFU_DEFAULT_BOT_PORT).
 *
 * One tag on any shop page:
 *   <script src="https://kefu.example.com/widget.js" defer
 *           data-server="https://kefu.example.com:5005"  (Rasa's Socket.IO; default: script host, BOT_PORT)
 *           data-lang="auto|zh|en"                       (UI language; default: the page's <html lang>)
 *           data-title="明镜商城客服" data-title-en="Lumen Mall support"
 *           data-customer-token="..."                    (signed by the shop for a logged-in customer)
 *           data-product-sku="LM-AP-001"></script>       (a product page: the product being viewed)
 *
 * JavaScript API once loaded: window.KefuWidget.open() / close() / setLanguage("zh"|"en") /
 * setCustomerToken(token|null) / setProduct(sku|null) / sessionId() / reset(). Code that runs before the widget can queue
 * calls: (window.KefuWidgetQueue = window.KefuWidgetQueue || []).push(function (w) { ... }).
 *
 * Rasa's socketio channel: "session_request" → "session_confirm", "user_uttered" → "bot_uttered";
 * Kefu's "kefu_history" returns the conversation after a reconnect. Message text is always
 * inserted as text, never as HTML.
 *
 * Sessions are issued by the server: the widget makes up no id. It asks for a session, keeps the
 * signed token that "session_confirm" carries (localStorage), sends it back with every message
 * and on every reconnect, and sends no message before it has one. When the server answers with
 * another token (the stored one was not valid), that is a new conversation.
 */
if (window.KefuWidget) { return; }

var STORE = "kefu.";
var HISTORY_MAX = 200;
var TYPING_TIMEOUT_MS = 20000;

var TEXT = {
  zh: {
    launcher: "在线客服", open: "打开在线客服", close: "关闭聊天窗口", title: "在线客服",
    welcome: "您好！我是智能客服，可以帮您查询订单、介绍商品，解答配送、退换货、支付、发票等问题。",
    placeholder: "请输入您的问题…", send: "发送", input: "输入消息", log: "聊天记录",
    typing: "客服正在输入…", offline: "网络已断开，正在重新连接…", connecting: "正在连接客服…",
    switchTo: "EN", switchLabel: "Switch to English", quick: "快捷回复",
    you: "我：", bot: "客服：", agent: "人工客服", unread: "条新消息",
    inStock: "有货", low: "仅剩{n}件", out: "暂时缺货", back: "预计{d}到货", listPrice: "原价", view: "查看商品"
  },
  en: {
    launcher: "Chat", open: "Open customer chat", close: "Close chat", title: "Customer service",
    welcome: "Hi! I'm the virtual assistant. I can track your orders, tell you about our products and answer questions about shipping, returns, payment and invoices.",
    placeholder: "Type your question…", send: "Send", input: "Message", log: "Conversation",
    typing: "Typing…", offline: "Connection lost. Reconnecting…", connecting: "Connecting…",
    switchTo: "中文", switchLabel: "切换到中文", quick: "Quick replies",
    you: "You: ", bot: "Assistant: ", agent: "Agent", unread: "new messages",
    inStock: "In stock", low: "Only {n} left", out: "Out of stock", back: "expected back {d}", listPrice: "was", view: "View product"
  }
};

// ---------------------------------------------------------------- configuration
var script = document.currentScript || (function () {
  var all = document.querySelectorAll("script[src*='widget']");
  return all[all.length - 1] || null;
})();
var data = (script && script.dataset) || {};

function defaultServer() {
  var base = script && script.src ? new URL(script.src, location.href) : location;
  return base.protocol + "//" + base.hostname + ":" + KEFU_DEFAULT_BOT_PORT;
}

var config = {
  server: data.server || defaultServer(),
  path: data.socketPath || "/socket.io",
  lang: data.lang || "auto",
  titleZh: data.title || "",
  titleEn: data.titleEn || data.title || "",
  product: data.productSku || null,
  // the web app that serves this script: the storefront's product pages (/product/<sku>) live there
  shop: script && script.src ? new URL(script.src, location.href).origin : location.origin
};

// ---------------------------------------------------------------- storage
function load(key, fallback) {
  try {
    var raw = localStorage.getItem(STORE + key);
    return raw === null ? fallback : JSON.parse(raw);
  } catch (e) { return fallback; }
}
function save(key, value) {
  try {
    if (value === null || value === undefined) { localStorage.removeItem(STORE + key); }
    else { localStorage.setItem(STORE + key, JSON.stringify(value)); }
  } catch (e) { /* private mode or full storage: the widget still works, without memory */ }
}
function pageLanguage() {
  var lang = (document.documentElement.getAttribute("lang") || navigator.language || "zh").toLowerCase();
  return lang.indexOf("en") === 0 ? "en" : "zh";
}
function tokenSubject(token) {
  if (!token) { return null; }
  try {
    var part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(part)).sub || token;
  } catch (e) { return token; }
}

var state = {
  sessionId: load("session", null),
  history: load("history", []),
  lang: load("lang", null) || (config.lang === "auto" ? pageLanguage() : (config.lang === "en" ? "en" : "zh")),
  open: load("open", false),
  token: null,
  product: null,
  socket: null,
  connected: false,
  everConnected: false,
  pending: [],
  queue: [],
  unread: 0,
  typingTimer: null
};
if (!Array.isArray(state.history)) { state.history = []; }

// ---------------------------------------------------------------- DOM
function el(tag, attrs, text) {
  var node = document.createElement(tag);
  Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
  if (text !== undefined && text !== null) { node.textContent = String(text); }
  return node;
}

var SVG_NS = "http://www.w3.org/2000/svg";
function chatIcon() {
  var svg = document.createElementNS(SVG_NS, "svg");
  var attrs = { "viewBox": "0 0 24 24", "width": "20", "height": "20", "fill": "none", "stroke": "currentColor",
                "stroke-width": "2", "stroke-linecap": "round", "stroke-linejoin": "round", "focusable": "false",
                "data-kefu": "launcher-icon" };
  Object.keys(attrs).forEach(function (name) { svg.setAttribute(name, attrs[name]); });
  var bubble = document.createElementNS(SVG_NS, "path");
  bubble.setAttribute("d", "M21 11.5a8.4 8.4 0 0 1-9 8.3 9.4 9.4 0 0 1-3.9-.8L3 20.5l1.4-4.3A8 8 0 0 1 3 11.5 8.4 8.4 0 0 1 12 3.2a8.4 8.4 0 0 1 9 8.3z");
  var dots = document.createElementNS(SVG_NS, "path");
  dots.setAttribute("d", "M8 11.5h.01M12 11.5h.01M16 11.5h.01");
  svg.appendChild(bubble);
  svg.appendChild(dots);
  return svg;
}

var style = el("style", { "data-kefu": "style" });
style.textContent = KEFU_CSS;

var root = el("div", { "class": "kefu-root", "data-kefu": "root" });
var launcher = el("button", {
  "type": "button", "class": "kefu-launcher", "data-kefu": "launcher",
  "aria-controls": "kefu-panel", "aria-expanded": "false"
});
// an inline SVG, not an emoji: without an emoji font (many Linux desktops, kiosks) that is an empty box
var launcherIcon = el("span", { "class": "kefu-launcher-icon", "aria-hidden": "true" });
launcherIcon.appendChild(chatIcon());
var launcherLabel = el("span", { "class": "kefu-launcher-label" });
var badge = el("span", { "class": "kefu-badge", "data-kefu": "unread", "hidden": "" });
launcher.appendChild(launcherIcon);
launcher.appendChild(launcherLabel);
launcher.appendChild(badge);

var panel = el("section", {
  "id": "kefu-panel", "class": "kefu-panel", "data-kefu": "panel", "role": "dialog",
  "aria-modal": "false", "aria-labelledby": "kefu-title", "hidden": ""
});
var header = el("header", { "class": "kefu-header" });
var title = el("h2", { "id": "kefu-title", "class": "kefu-title" });
var langButton = el("button", { "type": "button", "class": "kefu-lang", "data-kefu": "language" });
var closeButton = el("button", { "type": "button", "class": "kefu-close", "data-kefu": "close" }, "×");
header.appendChild(title);
header.appendChild(langButton);
header.appendChild(closeButton);

var status = el("div", { "class": "kefu-status", "data-kefu": "status", "role": "status", "aria-live": "polite" });
var log = el("div", { "class": "kefu-log", "data-kefu": "log", "role": "log", "aria-live": "polite", "tabindex": "0" });
var welcome = el("p", { "class": "kefu-welcome", "data-kefu": "welcome" });
var messages = el("div", { "class": "kefu-messages" });
var typing = el("div", { "class": "kefu-typing", "data-kefu": "typing", "hidden": "" });
typing.appendChild(el("span", { "class": "kefu-dot", "aria-hidden": "true" }));
typing.appendChild(el("span", { "class": "kefu-dot", "aria-hidden": "true" }));
typing.appendChild(el("span", { "class": "kefu-dot", "aria-hidden": "true" }));
var typingLabel = el("span", { "class": "kefu-sr" });
typing.appendChild(typingLabel);
log.appendChild(welcome);
log.appendChild(messages);
log.appendChild(typing);

var form = el("form", { "class": "kefu-form", "data-kefu": "form", "autocomplete": "off" });
var inputLabel = el("label", { "class": "kefu-sr", "for": "kefu-input" });
var input = el("input", {
  "id": "kefu-input", "class": "kefu-input", "data-kefu": "input", "type": "text",
  "maxlength": "2000", "enterkeyhint": "send"
});
var sendButton = el("button", { "type": "submit", "class": "kefu-send", "data-kefu": "send" });
form.appendChild(inputLabel);
form.appendChild(input);
form.appendChild(sendButton);

panel.appendChild(header);
panel.appendChild(status);
panel.appendChild(log);
panel.appendChild(form);
root.appendChild(launcher);
root.appendChild(panel);

function t(key) { return TEXT[state.lang][key]; }

function applyLanguage() {
  root.setAttribute("lang", state.lang === "en" ? "en" : "zh-CN");
  launcherLabel.textContent = t("launcher");
  launcher.setAttribute("aria-label", t("open"));
  title.textContent = (state.lang === "en" ? config.titleEn : config.titleZh) || t("title");
  langButton.textContent = t("switchTo");
  langButton.setAttribute("aria-label", t("switchLabel"));
  closeButton.setAttribute("aria-label", t("close"));
  log.setAttribute("aria-label", t("log"));
  welcome.textContent = t("welcome");
  typingLabel.textContent = t("typing");
  typing.setAttribute("aria-label", t("typing"));
  inputLabel.textContent = t("input");
  input.setAttribute("placeholder", t("placeholder"));
  sendButton.textContent = t("send");
  Array.prototype.forEach.call(messages.querySelectorAll("[data-kefu=speaker]"), function (node) {
    node.textContent = t(node.getAttribute("data-speaker"));
  });
  Array.prototype.forEach.call(messages.querySelectorAll("[data-kefu=quick-replies]"), function (node) {
    node.setAttribute("aria-label", t("quick"));
  });
  updateBadge();
  showStatus(state.statusKey);
}

function showStatus(key) {
  state.statusKey = key || null;
  status.textContent = key ? t(key) : "";
  status.hidden = !key;
}

function updateBadge() {
  if (state.unread > 0 && !state.open) {
    badge.hidden = false;
    badge.textContent = String(state.unread);
    launcher.setAttribute("aria-label", t("open") + " (" + state.unread + " " + t("unread") + ")");
  } else {
    badge.hidden = true;
    badge.textContent = "";
    launcher.setAttribute("aria-label", t("open"));
  }
}

// ---------------------------------------------------------------- messages
function renderMessage(item) {
  var row = el("div", { "class": "kefu-row kefu-row-" + item.role });
  if (item.role === "agent") {
    row.appendChild(el("div", { "class": "kefu-agent-name", "data-kefu": "agent-name" }, item.agent || t("agent")));
  } else {
    var speaker = item.role === "user" ? "you" : "bot";
    row.appendChild(el("span", { "class": "kefu-sr", "data-kefu": "speaker", "data-speaker": speaker }, t(speaker)));
  }
  var bubble = el("div", { "class": "kefu-msg kefu-msg-" + item.role, "data-kefu": "message", "data-role": item.role });
  if (item.card) {
    bubble.appendChild(renderCard(item.card));
  } else if (item.image) {
    var img = el("img", { "class": "kefu-image", "alt": "" });
    if (/^https?:\/\//i.test(item.image)) { img.src = item.image; }
    bubble.appendChild(img);
  } else {
    bubble.textContent = item.text;
  }
  row.appendChild(bubble);
  return row;
}

// A product card (actions/product_answers/card.py): every value from the shop's catalogue, as text.
function cardOf(raw) {
  if (!raw || typeof raw !== "object" || typeof raw.name !== "string" || typeof raw.sku !== "string") { return null; }
  return {
    sku: raw.sku, name: raw.name, price: String(raw.price || ""),
    list_price: raw.list_price ? String(raw.list_price) : null,
    stock: ["in", "low", "out"].indexOf(raw.stock) >= 0 ? raw.stock : "in",
    count: Number(raw.count) || 0, restock: raw.restock ? String(raw.restock) : null
  };
}

function stockText(card) {
  if (card.stock === "low") { return t("low").replace("{n}", String(card.count)); }
  if (card.stock === "out") { return t("out") + (card.restock ? " · " + t("back").replace("{d}", card.restock) : ""); }
  return t("inStock");
}

function renderCard(card) {
  var node = el("div", { "class": "kefu-card", "data-kefu": "product-card", "data-sku": card.sku });
  node.appendChild(el("div", { "class": "kefu-card-name", "data-kefu": "card-name" }, card.name));
  var price = el("div", { "class": "kefu-card-price", "data-kefu": "card-price" });
  price.appendChild(el("strong", {}, card.price));
  if (card.list_price) {
    price.appendChild(document.createTextNode(" "));
    var was = el("s", { "data-kefu": "card-list-price", "aria-label": t("listPrice") + " " + card.list_price }, card.list_price);
    price.appendChild(was);
  }
  node.appendChild(price);
  node.appendChild(el("div", { "class": "kefu-card-stock kefu-card-" + card.stock, "data-kefu": "card-stock" }, stockText(card)));
  // the storefront's page of the product, on the widget's own server (the SKU encoded, never markup)
  var link = el("a", { "class": "kefu-card-link", "data-kefu": "card-link", "href": config.shop + "/product/" + encodeURIComponent(card.sku) }, t("view"));
  node.appendChild(link);
  return node;
}

function renderQuickReplies(replies) {
  var group = el("div", { "class": "kefu-replies", "data-kefu": "quick-replies", "role": "group", "aria-label": t("quick") });
  replies.forEach(function (reply) {
    var button = el("button", { "type": "button", "class": "kefu-reply", "data-kefu": "quick-reply" }, reply.title);
    button.addEventListener("click", function () {
      removeQuickReplies();
      sendMessage(String(reply.payload || reply.title), String(reply.title || reply.payload));
      input.focus();
    });
    group.appendChild(button);
  });
  return group;
}

function removeQuickReplies() {
  Array.prototype.forEach.call(messages.querySelectorAll("[data-kefu=quick-replies]"), function (node) {
    node.parentNode.removeChild(node);
  });
  state.history.forEach(function (item) { delete item.quick_replies; });
}

function scrollToEnd() { log.scrollTop = log.scrollHeight; }

function renderAll() {
  while (messages.firstChild) { messages.removeChild(messages.firstChild); }
  state.history.forEach(function (item) {
    messages.appendChild(renderMessage(item));
    if (item.quick_replies && item.quick_replies.length) { messages.appendChild(renderQuickReplies(item.quick_replies)); }
  });
  scrollToEnd();
}

function addMessage(item) {
  // Quick replies stay under their message until the customer answers or new ones arrive.
  if (item.role === "user" || (item.quick_replies && item.quick_replies.length)) { removeQuickReplies(); }
  state.history.push(item);
  if (state.history.length > HISTORY_MAX) { state.history = state.history.slice(-HISTORY_MAX); }
  save("history", state.history);
  messages.appendChild(renderMessage(item));
  if (item.quick_replies && item.quick_replies.length) { messages.appendChild(renderQuickReplies(item.quick_replies)); }
  scrollToEnd();
}

function showTyping() {
  typing.hidden = false;
  scrollToEnd();
  clearTimeout(state.typingTimer);
  state.typingTimer = setTimeout(hideTyping, TYPING_TIMEOUT_MS);
}
function hideTyping() {
  clearTimeout(state.typingTimer);
  typing.hidden = true;
}

// ---------------------------------------------------------------- connection
function metadata() {
  var sent = state.token ? { customer_token: state.token } : {};
  if (state.product) { sent.product_sku = state.product; }
  return sent;
}

function requestHistory() {
  if (!state.socket) { return; }
  state.socket.emit("kefu_history", { session_id: state.sessionId }, function (serverHistory) {
    if (!Array.isArray(serverHistory) || !serverHistory.length) { return; }
    var merged = serverHistory.map(function (m) {
      var item = { role: m.role === "agent" ? "agent" : (m.role === "user" ? "user" : "bot"), text: String(m.text || "") };
      if (m.agent) { item.agent = String(m.agent); }
      if (m.quick_replies) { item.quick_replies = m.quick_replies; }
      return item;
    });
    // Messages sent while offline and not yet recorded by the server stay at the end.
    var tail = merged.slice(-state.pending.length - 1).map(function (m) { return m.role + "\u0000" + m.text; });
    state.pending.forEach(function (text) {
      if (tail.indexOf("user\u0000" + text) === -1) { merged.push({ role: "user", text: text }); }
    });
    // Only the newest buttons not yet answered stay clickable.
    var live = -1;
    merged.forEach(function (item, index) {
      if (item.role === "user") { live = -1; } else if (item.quick_replies && item.quick_replies.length) { live = index; }
    });
    merged.forEach(function (item, index) { if (index !== live) { delete item.quick_replies; } });
    var before = JSON.stringify(state.history);
    state.history = merged.slice(-HISTORY_MAX);
    if (JSON.stringify(state.history) !== before) {
      save("history", state.history);
      renderAll();
    }
  });
}

function emitMessage(text) {
  state.socket.emit("user_uttered", { message: text, session_id: state.sessionId, metadata: metadata() });
}

function connect() {
  if (state.socket) { return; }
  showStatus(state.everConnected ? "offline" : "connecting");
  var socket = KEFU_IO(config.server, {
    path: config.path,
    transports: ["websocket", "polling"],
    tryAllTransports: true,
    reconnection: true,
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000
  });
  state.socket = socket;
  socket.on("connect", function () {
    socket.emit("session_request", state.sessionId ? { session_id: state.sessionId } : {});
  });
  socket.on("session_confirm", function (token) {
    var id = typeof token === "string" ? token : (token && token.session_id);
    if (!id) { return; }
    if (id !== state.sessionId) {
      if (state.sessionId) {
        // The stored session was not accepted: this is a new conversation, without the old one's messages.
        state.history = state.queue.map(function (item) { return { role: "user", text: item.shown }; });
        save("history", state.history);
        renderAll();
      }
      state.sessionId = id;
      save("session", id);
    }
    state.connected = true;
    var queued = state.queue;
    state.queue = [];
    queued.forEach(function (item) { emitMessage(item.text); });
    state.everConnected = true;
    showStatus(null);
    requestHistory();
  });
  socket.on("bot_uttered", function (message) {
    if (!message || typeof message !== "object") { return; }
    hideTyping();
    state.pending = [];
    var agent = message.metadata && message.metadata.agent;
    var item = { role: agent ? "agent" : "bot", text: typeof message.text === "string" ? message.text : "" };
    if (agent) { item.agent = String(agent); }
    if (Array.isArray(message.quick_replies) && message.quick_replies.length) {
      item.quick_replies = message.quick_replies.map(function (r) { return { title: r.title, payload: r.payload }; });
    }
    if (!item.text && message.attachment && message.attachment.type === "image" && message.attachment.payload) {
      item.image = String(message.attachment.payload.src || "");
    }
    if (!item.text && !item.image && message.product_card) {
      var card = cardOf(message.product_card);
      if (card) { item.card = card; item.text = card.name; }
    }
    if (!item.text && !item.image) { return; }
    addMessage(item);
    if (!state.open) {
      state.unread += 1;
      updateBadge();
    }
  });
  socket.on("disconnect", function () {
    state.connected = false;
    showStatus("offline");
  });
  socket.on("connect_error", function () {
    state.connected = false;
    showStatus(state.everConnected ? "offline" : "connecting");
  });
}

function sendMessage(text, shown) {
  text = String(text || "").trim();
  if (!text) { return; }
  connect();
  addMessage({ role: "user", text: shown || text });
  state.pending.push(shown || text);
  if (state.connected && state.sessionId) {
    // If the connection has just dropped, socket.io keeps the message and sends it on reconnecting.
    emitMessage(text);
  } else {
    state.queue.push({ text: text, shown: shown || text });  // sent once the server confirms the session
  }
  showTyping();
}

// ---------------------------------------------------------------- panel
function setOpen(open, focus) {
  state.open = !!open;
  save("open", state.open);
  panel.hidden = !state.open;
  root.classList.toggle("kefu-is-open", state.open);
  launcher.setAttribute("aria-expanded", state.open ? "true" : "false");
  if (state.open) {
    state.unread = 0;
    updateBadge();
    connect();
    scrollToEnd();
    if (focus !== false) { input.focus(); }
  } else {
    updateBadge();
    if (focus !== false) { launcher.focus(); }
  }
}

launcher.addEventListener("click", function () { setOpen(!state.open); });
closeButton.addEventListener("click", function () { setOpen(false); });
langButton.addEventListener("click", function () { api.setLanguage(state.lang === "en" ? "zh" : "en", true); });
panel.addEventListener("keydown", function (event) {
  if (event.key === "Escape") {
    event.preventDefault();
    setOpen(false);
  }
});
form.addEventListener("submit", function (event) {
  event.preventDefault();
  var text = input.value;
  input.value = "";
  sendMessage(text);
});
window.addEventListener("online", function () {
  if (state.socket && !state.socket.connected) { state.socket.connect(); }
});

// ---------------------------------------------------------------- public API
var api = {
  open: function () { setOpen(true); },
  close: function () { setOpen(false); },
  toggle: function () { setOpen(!state.open); },
  sessionId: function () { return state.sessionId; },
  language: function () { return state.lang; },
  setLanguage: function (lang, remember) {
    state.lang = String(lang || "").toLowerCase().indexOf("en") === 0 ? "en" : "zh";
    if (remember) { save("lang", state.lang); }
    applyLanguage();
  },
  setProduct: function (sku) {
    state.product = typeof sku === "string" && /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/.test(sku) ? sku : null;
  },
  setCustomerToken: function (token) {
    token = token || null;
    var before = load("customer", null);
    var subject = tokenSubject(token);
    // Another customer (or a logout) on this browser starts a fresh conversation.
    if (before && before !== subject) { api.reset(); }
    state.token = token;
    save("customer", subject);
  },
  reset: function () {
    state.history = [];
    state.pending = [];
    state.queue = [];
    state.sessionId = null;
    state.connected = false;
    save("history", []);
    save("session", null);
    renderAll();
    if (state.socket) {
      // A new socket asks for a new session: the old one stays in the previous conversation's room.
      state.socket.disconnect();
      state.socket.connect();
    }
  }
};

function start() {
  document.head.appendChild(style);
  document.body.appendChild(root);
  applyLanguage();
  renderAll();
  if (data.customerToken) { api.setCustomerToken(data.customerToken); }
  if (config.product) { api.setProduct(config.product); }
  window.KefuWidget = api;
  var queue = window.KefuWidgetQueue || [];
  window.KefuWidgetQueue = { push: function (fn) { try { fn(api); } catch (e) { console.error(e); } } };
  queue.forEach(function (fn) { window.KefuWidgetQueue.push(fn); });
  setOpen(state.open, false);
  if (state.sessionId && state.history.length) { connect(); }
  try { window.dispatchEvent(new CustomEvent("kefu:ready", { detail: api })); } catch (e) { /* old browsers */ }
}

if (document.body) { start(); } else { document.addEventListener("DOMContentLoaded", start); }
