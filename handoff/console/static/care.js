// Kefu agent console: customers and care (issue 19) — the linked customer's record beside a
// conversation, the at-risk list (流失预警) and follow-up tasks (回访). Uses console.js's state, api,
// $ and el. Contract section 8: GET /api/customers/{id}, GET /api/care/at-risk, POST /api/care/follow-ups...
"use strict";

const SIGNALS = {
  repeat_contact: "反复联系 Repeat contact", low_rating: "差评 Low rating", complaint: "投诉 Complaint",
  refund: "退款退货 Refund", abandoned_handoff: "排队放弃 Left the queue", unanswered: "未解答 Unanswered",
};
const TIERS = { regular: "普通 Regular", silver: "银卡 Silver", gold: "金卡 Gold", black_gold: "黑金 Black gold" };
const WECHAT_WINDOW_MS = 48 * 3600 * 1000;
const care = { atRisk: [], days: 30, error: "" };

async function refreshAtRisk() {
  try {
    care.atRisk = await api("GET", `/api/care/at-risk?days=${care.days}`);
    care.error = "";
  } catch (error) {
    care.error = error.message;
  }
  $("count-atrisk").textContent = care.atRisk.length;
  if (state.tab === "atrisk") renderList();
}

// the customer's last channel: WeChat only within 48 hours of their last message
function reachNote(channels) {
  const last = channels && channels[0];
  if (!last) return "未知渠道 No channel known: the customer cannot be written to";
  const outside = last.channel === "wechat" && Date.now() - Date.parse(last.last_seen) > WECHAT_WINDOW_MS;
  return outside ? "微信超过48小时窗口，无法主动发消息 Outside WeChat's 48-hour window: wait until they write"
                 : `最近渠道 Last channel: ${CHANNELS[last.channel] || last.channel}`;
}

async function careAct(button, work) {
  button.disabled = true;
  try { await work(); } catch (error) { window.alert(error.message); } finally { button.disabled = false; }
  await refreshAtRisk();
  if (state.details) await refreshSelected().catch(() => {});
}

function openFollowUp(customerId, button) {
  const note = window.prompt("回访内容 Follow-up note");
  if (!note) return;
  const due = window.prompt("截止日期 Due (YYYY-MM-DD)", new Date(Date.now() + 86400000).toISOString().slice(0, 10)) || null;
  careAct(button, () => api("POST", "/api/care/follow-ups", { customer_id: customerId, note, due }));
}

function messageFollowUp(followUp, button) {
  const text = window.prompt("发给客户的消息 Message to the customer");
  if (!text) return;
  careAct(button, () => api("POST", `/api/care/follow-ups/${followUp.id}/messages`, { text }));
}

function finishFollowUp(followUp, button) {
  const outcome = window.prompt("回访结果 Outcome");
  if (!outcome) return;
  careAct(button, () => api("POST", `/api/care/follow-ups/${followUp.id}/done`, { outcome }));
}

function followUpButtons(customerId, followUp) {
  const box = el("div", { class: "care-actions" });
  if (!followUp || followUp.status === "done") {
    const open = el("button", { dataTestid: "open-follow-up" }, "新建回访 Follow up");
    open.addEventListener("click", () => openFollowUp(customerId, open));
    box.append(open);
  } else {
    const send = el("button", { dataTestid: "follow-up-message" }, "发消息 Message");
    send.addEventListener("click", () => messageFollowUp(followUp, send));
    const done = el("button", { dataTestid: "follow-up-done" }, "完成 Done");
    done.addEventListener("click", () => finishFollowUp(followUp, done));
    box.append(el("span", { class: "muted" }, `回访 #${followUp.id}: ${followUp.note}`), send, done);
  }
  return box;
}

function signalBadges(signals) {
  return signals.map((s) => el("span", { class: "badge signal", title: `${time(s.at)} ${s.detail}` },
                               SIGNALS[s.kind] || s.kind));
}

function renderAtRisk(list) {
  if (care.error) list.append(el("p", { class: "error", style: "padding:16px" }, care.error));
  for (const row of care.atRisk) {
    list.append(el("div", { class: "item", dataTestid: "at-risk-item", dataCustomer: row.customer_id },
      el("div", { class: "line1" }, el("strong", {}, row.name || row.customer_id),
         el("span", { class: "meta" }, ` ${row.customer_id} · ${TIERS[row.member_level] || row.member_level || ""}`),
         el("span", { class: "badge reason-complaint" }, `风险 Risk ${row.score}`)),
      el("div", { class: "preview" }, ...signalBadges(row.signals)),
      followUpButtons(row.customer_id, row.follow_up)));
  }
  if (!list.children.length) list.append(el("p", { class: "empty muted", style: "padding:16px" }, "暂无 Nothing here"));
}

// the record of the conversation's linked customer, under the customer panel
async function renderCustomerRecord(customerId) {
  const box = $("customer-record");
  if (!customerId) { box.replaceChildren(); box.dataset.for = ""; return; }
  let record;
  try {
    record = await api("GET", `/api/customers/${encodeURIComponent(customerId)}`);
  } catch (error) {
    box.replaceChildren(el("p", { class: "muted" }, error.message));
    return;
  }
  const open = record.follow_ups.find((f) => f.status === "open");
  box.dataset.for = customerId;
  box.replaceChildren(
    el("p", {}, `会员 Tier: ${TIERS[record.member_level] || record.member_level} · 风险 Risk ${record.risk.score}`),
    el("p", {}, ...signalBadges(record.risk.signals)),
    el("ul", { class: "history", dataTestid: "customer-channels" }, ...record.channels.map((c) =>
      el("li", {}, `${CHANNELS[c.channel] || c.channel} ${c.sender_id} · ${since(c.last_seen)}`))),
    el("p", { class: "muted", dataTestid: "reach-note" }, reachNote(record.channels)),
    followUpButtons(record.customer_id, open),
    ...record.follow_ups.filter((f) => f.status === "done").map((f) =>
      el("p", { class: "muted" }, `回访 #${f.id} ✓ ${f.outcome}`)));
}

document.addEventListener("DOMContentLoaded", () => {
  setInterval(() => { if (session.token) refreshAtRisk(); }, 60000);
  for (const tab of document.querySelectorAll('.tab[data-tab="atrisk"]')) tab.addEventListener("click", refreshAtRisk);
});
