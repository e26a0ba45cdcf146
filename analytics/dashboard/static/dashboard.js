// Kefu operator dashboard: the figures of GET /api/analytics as charts (Chart.js) and as tables.
// Every text from the server (questions shoppers typed, FAQ titles) is shown with textContent or
// drawn on a canvas, never parsed as HTML. The login, the token and $/el come from the staff session
// script (/static/staff/session.js), loaded before this one.
"use strict";

const REASONS = {
  complaint: "投诉 Complaint",
  negative_sentiment: "情绪不满 Upset customer",
  verification_failed: "验证失败 Verification failed",
  customer_request: "要求人工 Asked for a human",
  low_confidence: "机器人没听懂 Bot did not understand",
  unknown: "未知 Unknown",
};
const CHANNELS = { rest: "REST", socketio: "网站 Web widget", telegram: "Telegram", wechat: "微信 WeChat", other: "其他 Other" };
const KINDS = { fallback: "没听懂 Not understood", out_of_scope: "超出范围 Out of scope", handoff: "转人工 Handed over" };
const COLORS = ["#2563eb", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d"];
const REFRESH_MS = 60_000;

const NOT_FOR_YOU = "此账号无权查看看板 This account may not see the dashboard (editor or admin only)";

const state = { charts: {}, timer: null };
const session = staffSession({
  storage: "kefu.dashboard", roles: ["editor"],
  messages: { wrongRole: NOT_FOR_YOU, expired: "请重新登录 Please log in again", forbidden: NOT_FOR_YOU },
  onStart: start,
  onLogout: () => { if (state.timer) clearInterval(state.timer); },
});

// the API's rates carry 4 decimals: a percentage with up to 2 (82.35%, 62.5%), never cut to 1 (82.3%)
const percent = (rate) => (rate === null || rate === undefined ? "–" : `${Math.round(rate * 10000) / 100}%`);
function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  if (seconds < 60) return `${Math.round(seconds)} 秒 s`;
  if (seconds < 3600) return `${(seconds / 60).toFixed(1)} 分钟 min`;
  return `${(seconds / 3600).toFixed(1)} 小时 h`;
}
const short = (text, n = 24) => (text.length > n ? text.slice(0, n - 1) + "…" : text);


// ------------------------------------------------------------------ rendering helpers
function table(id, headers, rows) {
  const node = $(id);
  node.replaceChildren();
  const head = document.createElement("tr");
  headers.forEach((h, i) => head.append(el("th", { class: i > 0 ? "num" : "" }, h)));
  const thead = document.createElement("thead"); thead.append(head);
  const tbody = document.createElement("tbody");
  if (!rows.length) {
    const tr = document.createElement("tr");
    const td = el("td", { class: "muted" }, "暂无数据 No data yet"); td.colSpan = headers.length; tr.append(td);
    tbody.append(tr);
  }
  for (const row of rows) {
    const tr = document.createElement("tr");
    row.forEach((cell, i) => tr.append(el("td", { class: i > 0 ? "num" : "" }, cell)));
    tbody.append(tr);
  }
  node.replaceChildren(thead, tbody);
}

function chart(id, config) {
  if (state.charts[id]) state.charts[id].destroy();
  config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
  state.charts[id] = new Chart($(id), config);
}

const horizontal = { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } };

// ------------------------------------------------------------------ the figures
function render(data) {
  $("range").textContent = `${data.from} – ${data.to} (${data.timezone})`;
  const conv = data.conversations;
  $("kpi-conversations").textContent = conv.total;
  $("kpi-containment").textContent = percent(data.containment.rate);
  $("kpi-handoffs").textContent = data.handoffs.total;
  $("kpi-wait").textContent = duration(data.wait_seconds.average);
  $("kpi-handling").textContent = duration(data.handling_seconds.average);
  $("kpi-csat").textContent = data.csat.average === null ? "–" : `${data.csat.average.toFixed(2)} / 5`;

  // conversations per day and channel: stacked bars
  const days = conv.per_day.map((d) => d.day.slice(5));
  chart("chart-conversations", {
    type: "bar",
    data: { labels: days, datasets: conv.channels.map((channel, i) => ({
      label: CHANNELS[channel] || channel, backgroundColor: COLORS[i % COLORS.length],
      data: conv.per_day.map((d) => d.by_channel[channel] || 0) })) },
    options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
  });
  table("table-conversations", ["日期 Day", ...conv.channels.map((c) => CHANNELS[c] || c), "合计 Total"],
        conv.per_day.map((d) => [d.day, ...conv.channels.map((c) => d.by_channel[c] || 0), d.total]));

  // containment
  const c = data.containment;
  chart("chart-containment", {
    type: "doughnut",
    data: { labels: ["机器人解决 Contained", "转人工 Handed over"],
            datasets: [{ data: [c.contained, c.conversations - c.contained], backgroundColor: [COLORS[1], COLORS[2]] }] },
  });
  table("table-containment", ["", "数量 Count"], [
    ["会话 Conversations", c.conversations], ["机器人解决 Contained", c.contained],
    ["解决率 Rate", percent(c.rate)],
    ["客户消息 Customer messages", data.messages.customer], ["FAQ 回答 FAQ answers", data.messages.faq_answers],
    ["没听懂 Not understood", data.messages.fallbacks], ["超出范围 Out of scope", data.messages.out_of_scope],
  ]);

  // handoffs by reason
  const reasons = Object.keys(data.handoffs.by_reason);
  chart("chart-handoffs", {
    type: "bar",
    data: { labels: reasons.map((r) => REASONS[r] || r),
            datasets: [{ label: "转人工 Handoffs", data: reasons.map((r) => data.handoffs.by_reason[r]), backgroundColor: COLORS[3] }] },
    options: horizontal,
  });
  table("table-handoffs", ["原因 Reason", "数量 Count"], reasons.map((r) => [REASONS[r] || r, data.handoffs.by_reason[r]]));

  // wait and handling time (minutes)
  const minutes = (s) => (s === null ? 0 : Math.round((s / 60) * 10) / 10);
  chart("chart-times", {
    type: "bar",
    data: { labels: ["平均等待 Avg. wait", "平均处理 Avg. handling"],
            datasets: [{ label: "分钟 minutes", backgroundColor: [COLORS[0], COLORS[4]],
                         data: [minutes(data.wait_seconds.average), minutes(data.handling_seconds.average)] }] },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, title: { display: true, text: "分钟 min" } } } },
  });
  table("table-times", ["", "平均 Average", "会话数 Conversations"], [
    ["等待 Wait (request → claim)", duration(data.wait_seconds.average), data.wait_seconds.count],
    ["处理 Handling (claim → resolved)", duration(data.handling_seconds.average), data.handling_seconds.count],
  ]);

  // CSAT distribution
  const stars = ["1", "2", "3", "4", "5"];
  chart("chart-csat", {
    type: "bar",
    data: { labels: stars.map((s) => `${s} ★`),
            datasets: [{ label: "评价 Ratings", data: stars.map((s) => data.csat.distribution[s] || 0), backgroundColor: COLORS[2] }] },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
  table("table-csat", ["评分 Rating", "数量 Count"], [
    ...stars.map((s) => [`${s} ★`, data.csat.distribution[s] || 0]),
    ["平均 Average", data.csat.average === null ? "–" : data.csat.average.toFixed(2)],
  ]);

  // first human reply after a handoff request, in service hours (issue 19.4)
  const reply = data.first_reply;
  if (reply) {
    chart("chart-first-reply", {
      type: "line",
      data: { labels: reply.per_day.map((d) => d.day.slice(5)),
              datasets: [{ label: "≤30 秒 s", data: reply.per_day.map((d) => d.within_30s === null ? null : d.within_30s * 100), borderColor: COLORS[1] },
                         { label: "≤3 分钟 min", data: reply.per_day.map((d) => d.within_3min === null ? null : d.within_3min * 100), borderColor: COLORS[0] }] },
      options: { scales: { y: { beginAtZero: true, max: 100 } } },
    });
    table("table-first-reply", ["日期 Day", "中位数 Median", "≤30 s", "≤3 min", "转人工 Handoffs"], [
      ...reply.per_day.map((d) => [d.day, duration(d.median_s), percent(d.within_30s), percent(d.within_3min), d.count]),
      ["合计 All", duration(reply.median_s), percent(reply.within_30s), percent(reply.within_3min), reply.count],
    ]);
  }

  // top FAQs
  const faqName = (f) => f.question_zh || f.question_en || f.faq_id;
  chart("chart-faqs", {
    type: "bar",
    data: { labels: data.top_faqs.map((f) => short(faqName(f))),
            datasets: [{ label: "回答次数 Answers", data: data.top_faqs.map((f) => f.count), backgroundColor: COLORS[0] }] },
    options: horizontal,
  });
  table("table-faqs", ["问题 FAQ", "回答次数 Answers"], data.top_faqs.map((f) => [`${faqName(f)} (${f.faq_id})`, f.count]));

  // top unanswered questions
  chart("chart-unanswered", {
    type: "bar",
    data: { labels: data.top_unanswered.map((q) => short(q.text)),
            datasets: [{ label: "次数 Times asked", data: data.top_unanswered.map((q) => q.count), backgroundColor: COLORS[3] }] },
    options: horizontal,
  });
  table("table-unanswered", ["问题 Question", "次数 Times", "类型 Kind"], data.top_unanswered.map((q) => [
    q.text, q.count, Object.entries(q.kinds).map(([k, n]) => `${KINDS[k] || k} ${n}`).join(", ")]));
}

// what agents did with the console's suggested replies (GET /api/assist/suggestions/rates)
const OUTCOMES = { sent: "直接发送 Sent as is", edited: "修改后发送 Edited", ignored: "未采用 Ignored" };
function renderSuggestions(data) {
  table("table-suggestions", ["结果 Outcome", "次数 Times", "占比 Rate"],
        Object.keys(OUTCOMES).map((key) => [OUTCOMES[key], data[key], percent(data.rates[key])]));
}

// customers at risk: agents and admins only (editors see aggregates only: the card stays hidden)
const SIGNALS = { repeat_contact: "反复联系", low_rating: "差评", complaint: "投诉", refund: "退款退货",
                  abandoned_handoff: "排队放弃", unanswered: "未解答" };
function roleOfToken() {
  // the staff token's role claim (the server checks it; here it only avoids asking for a 403,
  // which would log the editor out)
  try {
    const part = session.token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(part.padEnd(part.length + (4 - (part.length % 4)) % 4, "="))).role;
  } catch (_error) {
    return null;
  }
}

async function loadAtRisk() {
  if (roleOfToken() !== "admin") return;  // the dashboard admits editors and admins; at-risk is agents' and admins'
  try {
    const rows = await session.json("GET", `/api/care/at-risk?days=${encodeURIComponent($("days").value)}`);
    table("table-at-risk", ["客户 Customer", "会员 Tier", "风险 Score", "信号 Signals"], rows.map((r) => [
      `${r.name || ""} (${r.customer_id})`, r.member_level || "", r.score,
      r.signals.map((s) => `${SIGNALS[s.kind] || s.kind} ${s.kind}`).join(", ")]));
    $("at-risk-card").hidden = false;
  } catch (_error) {
    $("at-risk-card").hidden = true;
  }
}

async function load() {
  $("load-error").textContent = "";
  loadAtRisk();
  try {
    const days = encodeURIComponent($("days").value);
    session.json("GET", `/api/assist/suggestions/rates?days=${days}`).then(renderSuggestions).catch(() => {});
    render(await session.json("GET", `/api/analytics?days=${days}`));
    document.body.dataset.loaded = "true";
  } catch (error) {
    $("load-error").textContent = error.message;
  }
}

function start() {
  load();
  if (state.timer) clearInterval(state.timer);
  state.timer = setInterval(load, REFRESH_MS);
}

$("refresh").addEventListener("click", load);
$("days").addEventListener("change", load);
session.begin();
