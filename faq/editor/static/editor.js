// Kefu FAQ editor: talks only to the web app's JSON API (/api/faqs, /api/inbox). The login, the
// token and $/el come from the staff session script (/static/staff/session.js), loaded before this
// one. Every text from the API is shown with textContent (never as HTML).
"use strict";

const FIELDS = ["id", "category", "question_zh", "question_en", "examples_zh", "examples_en", "answer_zh", "answer_en"];
const state = {
  faqs: [], categories: [], category: "", current: null, checkTimer: null, publishTimer: null, inbox: [],
};
const session = staffSession({
  storage: "kefu.editor", roles: ["editor"],
  messages: { wrongRole: "此账号不是编辑账号 This account is not an editor" },
  onStart: start,
});
// { ok, status, data }: the editor shows the server's problems and conflicts itself
const api = session.request;

// ------------------------------------------------------------------ list
async function loadFaqs() {
  const [faqs, categories] = await Promise.all([api("GET", "/api/faqs"), api("GET", "/api/faqs/categories")]);
  state.faqs = faqs.data; state.categories = categories.data;
  renderCategories(); renderList();
}

function renderCategories() {
  const list = $("categories");
  list.replaceChildren();
  const all = [{ name: "", title_zh: "全部", title_en: "All", count: state.faqs.length }, ...state.categories];
  for (const category of all) {
    list.append(el("li", {}, el("button", {
      type: "button", class: category.name === state.category ? "active" : "",
      "data-category": category.name, onclick: () => { state.category = category.name; renderCategories(); renderList(); },
    }, `${category.title_zh} ${category.title_en} (${category.count})`)));
  }
  $("category-names").replaceChildren(...state.categories.map((c) => el("option", { value: c.name }, c.title_zh)));
}

function renderList() {
  const query = $("search").value.trim().toLowerCase();
  const list = $("faq-list");
  list.replaceChildren();
  for (const faq of state.faqs) {
    if (state.category && faq.category !== state.category) continue;
    const haystack = [faq.id, faq.question_zh, faq.question_en, ...faq.examples_zh, ...faq.examples_en].join(" ").toLowerCase();
    if (query && !haystack.includes(query)) continue;
    list.append(el("li", {}, el("button", {
      type: "button", "data-faq": faq.id, class: state.current && state.current.id === faq.id ? "active" : "",
      onclick: () => edit(faq.id),
    }, faq.question_zh, el("small", {}, `${faq.id} · ${faq.question_en}`))));
  }
}

// ------------------------------------------------------------------ form
function formData() {
  const data = {};
  for (const field of FIELDS) {
    const value = $(`f-${field}`).value;
    data[field] = field.startsWith("examples") ? value.split("\n").map((s) => s.trim()).filter(Boolean) : value;
  }
  return data;
}

function fill(faq) {
  for (const field of FIELDS) {
    const value = faq ? faq[field] : "";
    $(`f-${field}`).value = Array.isArray(value) ? value.join("\n") : (value || "");
  }
}

function newFaq(prefill = {}) {
  state.current = null;
  fill(null);
  for (const [field, value] of Object.entries(prefill)) $(`f-${field}`).value = Array.isArray(value) ? value.join("\n") : value;
  if (!$("f-category").value && state.category) $("f-category").value = state.category;
  $("f-id").readOnly = false;
  $("form-title").textContent = "新建 FAQ · New FAQ";
  $("delete").hidden = true; $("history-card").hidden = true;
  $("form-version").textContent = ""; $("form-message").textContent = "";
  $("problems").replaceChildren();
  renderList();
  $("f-id").focus();
}

async function edit(faqId, message = "") {
  const { ok, data } = await api("GET", `/api/faqs/${encodeURIComponent(faqId)}`);
  if (!ok) { showMessage(data.error || "加载失败 Could not load", true); return; }
  state.current = data;
  fill(data);
  $("f-id").readOnly = true;
  $("form-title").textContent = `编辑 Edit · ${data.id}`;
  $("delete").hidden = false;
  $("form-version").textContent = `版本 version ${data.version} · ${data.updated_by} · ${new Date(data.updated_at).toLocaleString()}`;
  showMessage(message, false);
  $("problems").replaceChildren();
  renderList();
  await loadHistory(data.id);
}

function showMessage(text, isError) {
  $("form-message").textContent = text || "";
  $("form-message").className = `message ${isError ? "error" : "ok"}`;
}

function renderProblems(problems) {
  $("problems").replaceChildren(...(problems || []).map((p) => el("li", { class: p.level, "data-field": p.field || "" },
    `${p.level === "error" ? "错误 Error" : "注意 Warning"} · ${p.field || ""}: ${p.message} → ${p.fix}`)));
}

function scheduleCheck() {
  clearTimeout(state.checkTimer);
  state.checkTimer = setTimeout(async () => {
    const body = formData();
    if (state.current) body.existing = state.current.id;
    const { ok, data } = await api("POST", "/api/faqs/check", body);
    if (ok) renderProblems(data.problems);
  }, 350);
}

async function save(event) {
  event.preventDefault();
  const body = formData();
  let result;
  if (state.current) {
    body.version = state.current.version;
    result = await api("PUT", `/api/faqs/${encodeURIComponent(state.current.id)}`, body);
  } else {
    result = await api("POST", "/api/faqs", body);
  }
  if (!result.ok) {
    renderProblems(result.data.problems || []);
    showMessage(result.status === 409 ? `冲突 Conflict: ${result.data.error}` : (result.data.error || "保存失败 Save failed"), true);
    return null;
  }
  await loadFaqs();
  await edit(result.data.id, "已保存，发布后生效 Saved; publish to make it live");
  renderProblems(result.data.warnings);
  return result.data;
}

async function remove() {
  if (!state.current || !confirm(`删除 Delete ${state.current.id}?`)) return;
  const { ok, data } = await api("DELETE", `/api/faqs/${encodeURIComponent(state.current.id)}?version=${state.current.version}`);
  if (!ok) { showMessage(data.error, true); return; }
  await loadFaqs();
  newFaq();
  showMessage("已删除，发布后生效 Deleted; publish to make it live", false);
}

async function loadHistory(faqId) {
  const { ok, data } = await api("GET", `/api/faqs/${encodeURIComponent(faqId)}/history`);
  $("history-card").hidden = !ok;
  if (!ok) return;
  $("history").replaceChildren(...data.map((version) => el("li", { "data-version": version.version },
    el("span", {}, `v${version.version} · ${version.action} · ${version.author} · ${new Date(version.at).toLocaleString()}`),
    el("span", { class: "muted" }, (version.data.answer_zh || "").slice(0, 40)),
    version.version === state.current.version ? el("span", { class: "muted" }, "当前 current")
      : el("button", { type: "button", onclick: () => restore(faqId, version.version) }, "恢复 Restore"))));
}

async function restore(faqId, version) {
  const { ok, data } = await api("POST", `/api/faqs/${encodeURIComponent(faqId)}/restore`, { version });
  if (!ok) { showMessage(data.error, true); return; }
  await loadFaqs();
  await edit(faqId, `已恢复版本 ${version} Restored version ${version}; publish to make it live`);
}

// ------------------------------------------------------------------ preview and publish
async function preview(event) {
  event.preventDefault();
  const text = $("preview-text").value.trim();
  if (!text) return;
  $("preview-result").textContent = "…";
  const { ok, data } = await api("POST", "/api/faqs/preview", { text });
  if (!ok || !data.available) { $("preview-result").textContent = data.error || "预览不可用 Preview unavailable"; return; }
  const sure = (value) => `${Math.round((value || 0) * 100)}%`;
  $("preview-result").textContent = data.faq
    ? `FAQ ${data.faq.id}（${sure(data.confidence)} · ${sure(data.faq.confidence)}）: ${data.faq.answer_zh || ""}`
    : `不是 FAQ · not an FAQ: ${data.intent} (${sure(data.confidence)})`;
}

async function publish() {
  $("publish").disabled = true;
  clearTimeout(state.publishTimer);
  state.pollGeneration = (state.pollGeneration || 0) + 1;  // an earlier job's poll must not report "live"
  setPublishStatus("running", "已提交 requested");
  const { ok, data } = await api("POST", "/api/faqs/publish");
  if (!ok) { setPublishStatus("failed", data.error); $("publish").disabled = false; return; }
  pollPublish(data.job);
}

function setPublishStatus(status, detail) {
  const labels = { running: "发布中 Publishing…", live: "已上线 Live", failed: "发布失败 Failed" };
  $("publish-status").textContent = `${labels[status] || status}: ${detail || ""}`;
  $("publish-status").className = status;
}

function pollPublish(job) {
  clearTimeout(state.publishTimer);
  const generation = (state.pollGeneration = (state.pollGeneration || 0) + 1);
  const poll = async () => {
    const { ok, data } = await api("GET", `/api/faqs/publish/${job}`);
    if (generation !== state.pollGeneration) return;  // a newer publish took over the status line
    if (!ok) { setPublishStatus("failed", data.error); $("publish").disabled = false; return; }
    const model = data.model && data.model.status !== "none" ? ` · 模型 model: ${data.model.status}` : "";
    setPublishStatus(data.status, data.detail + model);
    if (data.status === "running" || (data.model && ["pending", "training"].includes(data.model.status))) {
      if (data.status !== "running") $("publish").disabled = false;
      state.publishTimer = setTimeout(poll, 1000);
    } else {
      $("publish").disabled = false;
    }
  };
  poll();
}

// ------------------------------------------------------------------ inbox
async function loadInbox() {
  const { ok, data } = await api("GET", "/api/inbox");
  const groups = ok ? (Array.isArray(data) ? data : data.groups || []) : [];
  state.inbox = groups;
  $("inbox-count").textContent = groups.length ? String(groups.length) : "";
  $("inbox").replaceChildren(...groups.map(renderGroup));
  if (!ok) $("inbox").replaceChildren(el("li", {}, data.error || "收件箱不可用 Inbox unavailable"));
  loadDrafts();
}

// FAQ drafts from agents' answers (GET /api/assist/drafts): a new FAQ, or a variant of a close one
async function loadDrafts() {
  const { ok, data } = await api("GET", "/api/assist/drafts");
  const drafts = ok && Array.isArray(data) ? data : [];
  $("drafts").replaceChildren(...drafts.map(renderDraft));
  if (!ok) $("drafts").replaceChildren(el("li", {}, data.error || "草稿不可用 Drafts unavailable"));
}

function renderDraft(draft) {
  const close = draft.close_faq && draft.close_faq.id;
  return el("li", { "data-draft": String(draft.id) },
    el("strong", {}, draft.question), " ", el("span", { class: "muted" }, draft.category || ""),
    el("div", { class: "examples" }, `客服答 Agent answered: ${draft.answer}`),
    el("div", { class: "row" },
      el("button", { type: "button", class: "primary", onclick: () => draftToFaq(draft) }, "新建 FAQ New FAQ"),
      close ? el("button", { type: "button", onclick: () => draftToVariant(draft, close) }, `加为 ${close} 的变体 Add as a variant of ${close}`) : null,
      el("button", { type: "button", class: "link", onclick: () => closeDraft(draft, "dismiss") }, "忽略 Dismiss")));
}

function draftToFaq(draft) {
  const zh = draft.language !== "en";
  state.pendingDraft = draft;
  switchTab("faqs");
  newFaq({ category: draft.category || "", [zh ? "question_zh" : "question_en"]: draft.question,
           [zh ? "answer_zh" : "answer_en"]: draft.answer });
  showMessage("补全编号、另一种语言和答案后保存，再发布 Fill in the id, the other language and answer, save, then publish", false);
}

async function draftToVariant(draft, faqId) {
  const current = await api("GET", `/api/faqs/${encodeURIComponent(faqId)}`);
  if (!current.ok) return;
  const faq = current.data;
  const list = draft.language === "en" ? faq.examples_en : faq.examples_zh;
  if (!list.includes(draft.question)) list.push(draft.question);
  const saved = await api("PUT", `/api/faqs/${encodeURIComponent(faqId)}`, faq);
  switchTab("faqs");
  if (!saved.ok) { await edit(faqId); renderProblems(saved.data.problems || []); showMessage(saved.data.error, true); return; }
  await closeDraft(draft, "use", faqId);
  await loadFaqs();
  await edit(faqId, `已加入 ${faqId} 的问法，发布后生效 Added as a variant; publish to make it live`);
}

async function closeDraft(draft, action, faqId) {
  await api("POST", `/api/assist/drafts/${draft.id}/${action}`, faqId ? { faq_id: faqId } : {});
  await loadDrafts();
}

function groupTexts(group) {
  return [...new Set([group.text, ...(group.examples || [])].filter(Boolean))];
}

function renderGroup(group) {
  const texts = groupTexts(group);
  // the server suggests an FAQ only when it is close enough (analytics.grouping.SUGGEST_THRESHOLD);
  // otherwise the editor chooses: no entry is preselected, and "Add as variants" waits for a choice
  const suggestion = group.suggested_faq && group.suggested_faq.id;
  const placeholder = el("option", { value: "" }, "选择 FAQ… Choose an FAQ");
  const target = el("select", { "aria-label": "FAQ", "data-role": "variant-target" }, placeholder,
    ...state.faqs.map((faq) => el("option", { value: faq.id }, `${faq.id} · ${faq.question_zh}`)));
  target.value = suggestion && state.faqs.some((faq) => faq.id === suggestion) ? suggestion : "";
  const add = el("button", { type: "button", "data-role": "add-variants", onclick: () => target.value && groupToVariant(group, target.value) },
    "加为变体 Add as variants");
  const sync = () => { add.disabled = !target.value; };
  target.addEventListener("change", sync);
  sync();
  const hint = suggestion
    ? el("div", { class: "muted", "data-role": "suggestion" }, `建议 Suggested: ${suggestion}（相似度 similarity ${group.suggested_faq.score}）`)
    : el("div", { class: "muted", "data-role": "suggestion" }, "没有足够相近的 FAQ，请选择或新建 No FAQ is close enough: choose one or create a new one");
  return el("li", { "data-group": group.id },
    el("strong", {}, `${group.text} `), el("span", { class: "count" }, `${group.count}`),
    el("div", { class: "examples" }, texts.slice(1, 6).join(" · ")),
    hint,
    el("div", { class: "row" },
      el("button", { type: "button", class: "primary", onclick: () => groupToFaq(group) }, "新建 FAQ New FAQ"),
      target,
      add,
      el("button", { type: "button", class: "link", onclick: () => resolveGroup(group, null, "dismiss") }, "忽略 Dismiss")));
}

function groupToFaq(group) {
  const texts = groupTexts(group);
  const chinese = texts.filter((t) => /[\u4e00-\u9fff]/.test(t));
  const english = texts.filter((t) => !/[\u4e00-\u9fff]/.test(t));
  state.pendingGroup = group;
  switchTab("faqs");
  newFaq({ question_zh: chinese[0] || "", examples_zh: chinese.slice(1), question_en: english[0] || "", examples_en: english.slice(1) });
  showMessage("填好编号、分类和答案后保存 Fill in id, category and answers, then save", false);
}

async function groupToVariant(group, faqId) {
  const current = await api("GET", `/api/faqs/${encodeURIComponent(faqId)}`);
  if (!current.ok) return;
  const faq = current.data;
  for (const text of groupTexts(group)) {
    const list = /[\u4e00-\u9fff]/.test(text) ? faq.examples_zh : faq.examples_en;
    if (!list.includes(text)) list.push(text);
  }
  const saved = await api("PUT", `/api/faqs/${encodeURIComponent(faqId)}`, faq);
  switchTab("faqs");
  if (!saved.ok) { await edit(faqId); renderProblems(saved.data.problems || []); showMessage(saved.data.error, true); return; }
  await resolveGroup(group, faqId, "resolve");
  await loadFaqs();
  await edit(faqId, `已加入 ${faqId} 的问法，发布后生效 Added as variants; publish to make it live`);
}

async function resolveGroup(group, faqId, action) {
  const body = { ids: group.item_ids || [] };
  if (faqId) body.faq_id = faqId;
  await api("POST", `/api/inbox/${action}`, body);
  await loadInbox();
}

function switchTab(name) {
  for (const tab of document.querySelectorAll(".tab")) {
    const active = tab.dataset.tab === name;
    tab.classList.toggle("active", active);
    tab.setAttribute("aria-selected", String(active));
  }
  $("tab-faqs").hidden = name !== "faqs";
  $("tab-inbox").hidden = name !== "inbox";
  if (name === "inbox") loadInbox();
}

// ------------------------------------------------------------------ start
async function start() {
  await loadFaqs();
  newFaq();
  loadInbox();
  const { ok, data } = await api("GET", "/api/faqs/publications");
  if (ok && data.length) {
    const latest = data[0];
    const model = latest.model && latest.model.status !== "none" ? ` · 模型 model: ${latest.model.status}` : "";
    setPublishStatus(latest.status, latest.detail + model);
    if (latest.status === "running") pollPublish(latest.job);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("faq-form").addEventListener("submit", async (event) => {
    const saved = await save(event);
    if (saved && state.pendingGroup) { await resolveGroup(state.pendingGroup, saved.id, "resolve"); state.pendingGroup = null; }
    if (saved && state.pendingDraft) { await closeDraft(state.pendingDraft, "use", saved.id); state.pendingDraft = null; }
  });
  $("faq-form").addEventListener("input", scheduleCheck);
  $("delete").addEventListener("click", remove);
  $("new-faq").addEventListener("click", () => newFaq());
  $("search").addEventListener("input", renderList);
  $("preview-form").addEventListener("submit", preview);
  $("publish").addEventListener("click", publish);
  for (const tab of document.querySelectorAll(".tab")) tab.addEventListener("click", () => switchTab(tab.dataset.tab));
  session.begin();
});
