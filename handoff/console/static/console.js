// Kefu agent console: the handoff queue, conversations and complaints, live over server-sent events.
// Talks only to the web app's JSON API (contract section 5). The login, the token and $/el come from
// the staff session script (/static/staff/session.js), loaded before this one.
"use strict";

const REASONS = {
  complaint: "投诉 Complaint",
  negative_sentiment: "情绪不满 Upset customer",
  verification_failed: "验证失败 Verification failed",
  customer_request: "要求人工 Asked for a human",
  low_confidence: "机器人没听懂 Bot did not understand",
};
const STATUSES = {
  waiting: "排队中 Waiting", active: "处理中 Active", resolved: "已解决 Resolved",
  abandoned: "已放弃 Abandoned", callback: "待回复 Callback",
};
const CHANNELS = { rest: "REST", socketio: "网站 Web widget", telegram: "Telegram", wechat: "微信 WeChat" };
const ROLES = { customer: "客户 Customer", bot: "机器人 Bot", agent: "客服 Agent" };
const CATEGORIES = {
  delivery: "物流 Delivery", quality: "质量 Quality", wrong_item: "错发漏发 Wrong item", refund: "退款 Refund",
  service: "服务 Service", price: "价格 Price", other: "其他 Other",
};
const TICKET_STATUSES = { open: "待处理 Open", handled: "已处理 Handled", followed_up: "已跟进 Followed up" };

const state = { tab: "queue", lists: {}, selected: null, details: null, source: null };
const session = staffSession({
  storage: "kefu", roles: ["agent"],
  messages: { wrongRole: "此账号不是客服账号 This account is not an agent" },
  onStart: start,
  onLogout: () => { if (state.source) state.source.close(); },
});
const api = session.json;

function since(iso) {
  if (!iso) return "";
  const minutes = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 60000));
  if (minutes < 1) return "刚刚 just now";
  if (minutes < 60) return `${minutes} 分钟前 min ago`;
  return `${Math.floor(minutes / 60)} 小时前 h ago`;
}
// with the time zone: the agent's browser shows its own zone's time, and says which (2026/12/7 08:35:00 GMT+8)
const ZONE_NAME = new Intl.DateTimeFormat("en-US", { timeZoneName: "short" });
const time = (iso) => {
  if (!iso) return "";
  const date = new Date(iso);
  const zone = ZONE_NAME.formatToParts(date).find((part) => part.type === "timeZoneName");
  return `${date.toLocaleString("zh-CN", { hour12: false })}${zone ? " " + zone.value : ""}`;
};

// ------------------------------------------------------------------ lists
async function refreshLists() {
  const [queue, active, resolved, complaints] = await Promise.all([
    api("GET", "/api/handoffs?status=waiting,callback"),
    api("GET", "/api/handoffs?status=active"),
    api("GET", "/api/handoffs?status=resolved,abandoned"),
    api("GET", "/api/complaints"),
  ]);
  state.lists = { queue, active, resolved, complaints };
  $("count-queue").textContent = queue.length;
  $("count-active").textContent = active.length;
  $("count-complaints").textContent = complaints.filter((t) => t.status !== "followed_up").length;
  renderList();
}

function lastCustomerText(handoff) {
  const lines = handoff.transcript.filter((line) => line.role === "customer");
  return lines.length ? lines[lines.length - 1].text : "";
}

// how long a waiting customer has waited: highlighted past 30 s and past 3 min (issue 19.4)
function waitClock(handoff) {
  if (handoff.status !== "waiting") return null;
  return el("span", { class: "clock", dataTestid: "wait-clock", dataSince: handoff.created_at }, "");
}

function tickClocks() {
  for (const clock of document.querySelectorAll(".clock[data-since]")) {
    const seconds = Math.max(0, Math.floor((Date.now() - Date.parse(clock.dataset.since)) / 1000));
    const minutes = Math.floor(seconds / 60);
    clock.textContent = `⏱ ${minutes}:${String(seconds % 60).padStart(2, "0")}`;
    clock.classList.toggle("late30", seconds >= 30 && seconds < 180);
    clock.classList.toggle("late3min", seconds >= 180);
    clock.title = seconds >= 180 ? "已等待超过3分钟 Waiting over 3 min" : seconds >= 30 ? "已等待超过30秒 Waiting over 30 s" : "";
  }
}

function renderList() {
  const list = $("list");
  list.replaceChildren();
  if (state.tab === "atrisk") {
    renderAtRisk(list);  // care.js
    return;
  } else if (state.tab === "complaints") {
    for (const ticket of state.lists.complaints || []) {
      list.append(el("div", { class: "item" + (state.selected === ticket.handoff_id ? " selected" : ""),
                              dataTestid: "complaint-item", onclick: () => ticket.handoff_id && select(ticket.handoff_id) },
        el("div", { class: "line1" }, el("span", { class: "badge reason-complaint" }, CATEGORIES[ticket.category] || ticket.category),
           el("span", { class: "badge status" }, TICKET_STATUSES[ticket.status] || ticket.status),
           el("span", { class: "meta" }, `#${ticket.id}`)),
        el("div", { class: "preview" }, ticket.summary),
        el("div", { class: "meta" }, `${ticket.sender_id} · ${since(ticket.created_at)}`)));
    }
  } else {
    for (const handoff of state.lists[state.tab] || []) {
      const mine = handoff.claimed_by === session.user;
      list.append(el("div", { class: "item" + (state.selected === handoff.id ? " selected" : ""), dataTestid: "queue-item",
                              dataId: String(handoff.id), dataReason: handoff.reason, onclick: () => select(handoff.id) },
        el("div", { class: "line1" },
           el("span", { class: `badge reason-${handoff.reason}` }, REASONS[handoff.reason] || handoff.reason),
           handoff.status === "callback" ? el("span", { class: "badge" }, STATUSES.callback) : null,
           el("span", { class: "meta" }, `P${handoff.priority}`), waitClock(handoff)),
        el("div", { class: "preview" }, lastCustomerText(handoff) || "—"),
        el("div", { class: "meta" }, `${handoff.sender_id} · ${CHANNELS[handoff.channel] || handoff.channel} · ${since(handoff.created_at)}`
           + (handoff.claimed_by ? ` · ${mine ? "我 me" : handoff.claimed_by}` : ""))));
    }
  }
  if (!list.children.length) list.append(el("p", { class: "empty muted", style: "padding:16px" }, "暂无 Nothing here"));
  tickClocks();
}

// ------------------------------------------------------------------ one conversation
async function select(id) {
  state.selected = id;
  renderList();
  await refreshSelected();
}

async function refreshSelected() {
  if (state.selected === null) return;
  const details = await api("GET", `/api/handoffs/${state.selected}/details`);
  if (details.handoff.id !== state.selected) return;
  state.details = details;
  renderConversation();
  renderDetails();
}

function renderConversation() {
  const { handoff } = state.details;
  $("conversation-empty").hidden = true;
  $("conversation-body").hidden = false;
  $("conv-reason").className = `badge reason-${handoff.reason}`;
  $("conv-reason").textContent = REASONS[handoff.reason] || handoff.reason;
  $("conv-status").textContent = STATUSES[handoff.status] || handoff.status;
  $("conv-status").dataset.status = handoff.status;
  $("conv-sender").textContent = handoff.sender_id;
  $("conv-channel").textContent = CHANNELS[handoff.channel] || handoff.channel;
  $("conv-holder").textContent = handoff.claimed_by ? `客服 Agent: ${handoff.claimed_by}` : "";
  const transcript = $("transcript");
  const atBottom = transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 40;
  transcript.replaceChildren(...handoff.transcript.map((line) =>
    el("li", { class: `msg ${line.role}`, dataRole: line.role },
       el("span", { class: "who" }, `${ROLES[line.role] || line.role} · ${time(line.ts)}`), line.text)));
  if (atBottom || transcript.dataset.for !== String(handoff.id)) transcript.scrollTop = transcript.scrollHeight;
  transcript.dataset.for = String(handoff.id);

  const claimable = handoff.status === "waiting" || handoff.status === "callback";
  const mine = handoff.status === "active" && handoff.claimed_by === session.user;
  $("claim").hidden = !claimable;
  $("reply-form").hidden = !mine;
  $("release").hidden = !mine;
  $("resolve").hidden = !mine;
  $("actions").hidden = !claimable && !mine;
  // the agents' tools (summary, suggestions, canned replies: /assist/static/assist.js), when loaded
  if (typeof kefuAssist !== "undefined") kefuAssist.onConversation(handoff, { api, mine });
}

function renderDetails() {
  const d = state.details;
  const { handoff } = d;
  $("detail-reason").replaceChildren(el("span", { class: `badge reason-${handoff.reason}` }, REASONS[handoff.reason] || handoff.reason),
                                      ` 优先级 priority ${handoff.priority}`);
  $("detail-trigger").textContent = d.trigger_text || "";
  $("detail-trigger").hidden = !d.trigger_text;
  const times = [`创建 Created ${time(handoff.created_at)}`];
  if (d.callback_due_at) times.push(`回复时间 Call back from ${time(d.callback_due_at)}`);
  if (d.claimed_at) times.push(`接入 Claimed ${time(d.claimed_at)}`);
  if (d.ended_at) times.push(`结束 Ended ${time(d.ended_at)}`);
  $("detail-times").textContent = times.join(" · ");
  $("detail-rating").textContent = d.rating ? `满意度 Rating: ${"★".repeat(d.rating)}${"☆".repeat(5 - d.rating)} (${d.rating}/5)` : "";

  const box = $("detail-customer");
  box.replaceChildren();
  const customer = d.customer;
  if (!customer || !customer.customer) {
    box.append(el("p", { class: "muted" }, "未识别客户 Customer not identified"));
    if (d.order_id) box.append(el("p", {}, `提到的订单 Order mentioned: ${d.order_id}`));
  } else {
    const c = customer.customer;
    box.append(el("p", {}, el("strong", {}, c.name || c.customer_id), ` (${c.customer_id})`),
               el("p", { class: "muted" }, [c.member_level, c.phone, c.email, c.language].filter(Boolean).join(" · ")));
    // only linked earlier to this channel identity: the shopper has not proven it now (issue 19)
    if (!customer.verified) box.append(el("p", { class: "muted", dataTestid: "not-verified" },
      "此前关联，本次对话未验证 Linked earlier, not verified in this conversation"));
    if (customer.orders.length) {
      box.append(el("table", { dataTestid: "orders" },
        el("tr", {}, el("th", {}, "订单 Order"), el("th", {}, "状态 Status"), el("th", {}, "金额 Total")),
        ...customer.orders.map((o) => el("tr", {}, el("td", {}, o.order_id), el("td", {}, o.status || ""),
                                            el("td", {}, o.total_cny != null ? `¥${o.total_cny}` : "")))));
    }
  }

  const ticket = d.ticket;
  $("ticket-section").hidden = !ticket;
  if (ticket) {
    $("detail-ticket").replaceChildren(
      el("p", {}, `#${ticket.id} · `, el("span", { class: "badge reason-complaint" }, CATEGORIES[ticket.category] || ticket.category),
         " ", el("span", { class: "badge status" }, TICKET_STATUSES[ticket.status] || ticket.status)),
      ticket.note ? el("blockquote", {}, ticket.note) : "");
  }
  renderCustomerRecord(customer && customer.customer ? customer.customer.customer_id : null);  // care.js
  $("detail-history").replaceChildren(...d.transitions.map((t) =>
    el("li", {}, `${time(t.at)} ${STATUSES[t.from] || t.from} → ${STATUSES[t.to] || t.to} (${t.actor})`)));
}

async function act(button, work) {
  $("action-error").textContent = "";
  button.disabled = true;
  try { await work(); } catch (error) { $("action-error").textContent = error.message; } finally { button.disabled = false; }
  await Promise.all([refreshLists(), refreshSelected()]).catch(() => {});
}

function sendReply(event) {
  event.preventDefault();
  const text = $("reply-text").value.trim();
  if (!text) return;
  act($("send"), async () => {
    await api("POST", `/api/handoffs/${state.selected}/messages`, { text });
    if (typeof kefuAssist !== "undefined") kefuAssist.onSent(text);
    $("reply-text").value = "";
  });
}

// ------------------------------------------------------------------ live updates
let refreshTimer = null;
function scheduleRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => { refreshLists().catch(() => {}); refreshSelected().catch(() => {}); }, 250);
}

function connectLive() {
  if (state.source) state.source.close();
  // the one route that takes the token as a query parameter: an EventSource cannot send headers
  const source = new EventSource(`/api/handoffs/stream?token=${encodeURIComponent(session.token)}`);
  source.onopen = () => $("live-status").classList.add("on");
  source.onerror = () => $("live-status").classList.remove("on");
  source.addEventListener("handoff", scheduleRefresh);
  source.addEventListener("message", scheduleRefresh);
  // the server ends the stream when the token expires or the account changed: log in again
  source.addEventListener("expired", () => { source.close(); session.logout(); });
  state.source = source;
}

function start() {
  refreshLists().catch((error) => { $("action-error").textContent = error.message; });
  refreshAtRisk();  // care.js
  connectLive();
}

document.addEventListener("DOMContentLoaded", () => {
  for (const tab of document.querySelectorAll(".tab")) {
    tab.addEventListener("click", () => {
      document.querySelectorAll(".tab").forEach((t) => t.classList.toggle("active", t === tab));
      state.tab = tab.dataset.tab;
      renderList();
    });
  }
  $("claim").addEventListener("click", () => act($("claim"), () => api("POST", `/api/handoffs/${state.selected}/claim`)));
  $("resolve").addEventListener("click", () => act($("resolve"), () => api("POST", `/api/handoffs/${state.selected}/resolve`)));
  $("release").addEventListener("click", () => act($("release"), () => api("POST", `/api/handoffs/${state.selected}/release`)));
  $("reply-form").addEventListener("submit", sendReply);
  $("reply-text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) sendReply(event);
  });
  $("followup-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const note = $("followup-note").value.trim();
    if (!note || !state.details || !state.details.ticket) return;
    act(event.submitter || $("followup-form").querySelector("button"), async () => {
      await api("POST", `/api/complaints/${state.details.ticket.id}/follow-up`, { note });
      $("followup-note").value = "";
    });
  });
  setInterval(() => { if (session.token) renderList(); }, 60000);  // keep "x min ago" fresh
  setInterval(tickClocks, 1000);
  session.begin();
});
