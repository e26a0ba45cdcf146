// Kefu agent console, the agents' tools: the handoff summary above the transcript, up to three
// suggested replies above the reply box (one click puts one in the box), and /shortcut completion
// of the team's canned replies in the reply box. Loaded after console.js, which calls
// kefuAssist.onConversation(handoff, {api, mine}) when it shows a conversation and
// kefuAssist.onSent(text) when the agent's reply was sent. Talks only to /api/assist/... .
"use strict";

const kefuAssist = (() => {
  const SOURCES = { faq: "FAQ", agent_reply: "客服答过 Agent's earlier reply" };
  const my = { api: null, handoffId: null, lastText: null, view: null, chosen: null, shown: [], matches: [], active: 0 };

  function ensureBoxes() {
    if (!$("assist-summary")) {
      const summary = el("section", { id: "assist-summary", class: "assist-summary", "aria-label": "summary" },
        el("div", { class: "assist-head" }, el("strong", {}, "摘要 Summary"),
           el("select", { id: "assist-language", "aria-label": "summary language",
                          onchange: (event) => setLanguage(event.target.value) },
              el("option", { value: "zh" }, "中文"), el("option", { value: "en" }, "English"))),
        el("ul", { id: "assist-summary-lines" }));
      $("transcript").before(summary);
    }
    if (!$("assist-suggestions")) {
      $("reply-form").before(el("div", { id: "assist-suggestions", class: "assist-suggestions", "aria-label": "suggested replies" }));
      $("reply-form").style.position = "relative";
      $("reply-form").append(el("ul", { id: "assist-canned", class: "assist-canned", role: "listbox", hidden: true }));
    }
  }

  function latestCustomerText(handoff) {
    const lines = handoff.transcript.filter((line) => line.role === "customer");
    return lines.length ? lines[lines.length - 1].text : "";
  }

  async function load(handoff) {
    my.view = await my.api("GET", `/api/assist/handoffs/${handoff.id}`);
    if (my.view.handoff_id !== my.handoffId) return;
    render();
  }

  function render() {
    const view = my.view;
    $("assist-language").value = view.summary.language;
    $("assist-summary-lines").replaceChildren(...view.summary.lines.map((line) =>
      el("li", { dataKind: line.kind }, line.text)));
    my.shown = view.suggestions;
    my.chosen = null;
    $("assist-suggestions").replaceChildren(...view.suggestions.map((s, i) =>
      el("button", { type: "button", class: "assist-suggestion", dataTestid: "suggestion", dataSource: s.source,
                     title: s.matched, onclick: () => choose(i) },
         el("span", { class: "badge" }, SOURCES[s.source] || s.source), " ", s.text)));
  }

  function choose(index) {
    const suggestion = my.shown[index];
    my.chosen = suggestion;
    const box = $("reply-text");
    box.value = suggestion.text;
    showMissing((suggestion.text.match(/\{(name|order)\}/g) || []).map((m) => m.slice(1, -1)));
    box.focus();
  }

  // placeholders the conversation could not fill: the agent fills them in before sending
  function showMissing(missing) {
    $("action-error").textContent = missing.length ? `请补全 Fill in: ${[...new Set(missing)].map((m) => `{${m}}`).join(" ")}` : "";
  }

  async function setLanguage(language) {
    await my.api("PUT", "/api/assist/me", { language });
    if (my.handoffId !== null) {
      my.view = await my.api("GET", `/api/assist/handoffs/${my.handoffId}`);
      render();
    }
  }

  // ---------------------------------------------------------------- /shortcut completion
  function completionQuery() {
    const match = /^\/(\S*)$/.exec($("reply-text").value);
    return match ? match[1].toLowerCase() : null;
  }

  function updateCompletion() {
    const list = $("assist-canned");
    const query = completionQuery();
    const canned = (my.view && my.view.canned) || [];
    my.matches = query === null ? [] : canned.filter((c) => c.shortcut.includes(query) || (c.title || "").toLowerCase().includes(query))
      .sort((a, b) => Number(!a.shortcut.startsWith(query)) - Number(!b.shortcut.startsWith(query)));
    my.active = Math.min(my.active, Math.max(0, my.matches.length - 1));
    list.hidden = !my.matches.length;
    list.replaceChildren(...my.matches.map((c, i) =>
      el("li", { role: "option", dataShortcut: c.shortcut, class: i === my.active ? "active" : "",
                 onmousedown: (event) => { event.preventDefault(); pick(i); } },
         el("strong", {}, `/${c.shortcut}`), c.title ? ` ${c.title}` : "", el("div", { class: "muted" }, c.text))));
  }

  function pick(index) {
    const reply = my.matches[index];
    if (!reply) return;
    const box = $("reply-text");
    box.value = reply.text;
    my.chosen = null;  // a canned reply replaces the suggestion: what is sent is no longer it
    $("assist-canned").hidden = true;
    my.matches = [];
    showMissing(reply.missing);
    box.focus();
  }

  function onKey(event) {
    if (event.target.id !== "reply-text" || !my.matches.length) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      my.active = (my.active + (event.key === "ArrowDown" ? 1 : my.matches.length - 1)) % my.matches.length;
      updateCompletion();
    } else if ((event.key === "Enter" || event.key === "Tab") && !event.isComposing) {
      pick(my.active);
    } else if (event.key === "Escape") {
      $("assist-canned").hidden = true;
      my.matches = [];
    } else {
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();  // the console's Enter-to-send must not see it
  }

  // ---------------------------------------------------------------- what console.js calls
  function onConversation(handoff, { api, mine }) {
    my.api = api;
    ensureBoxes();
    $("assist-suggestions").hidden = !mine;
    const text = latestCustomerText(handoff);
    if (handoff.id === my.handoffId && text === my.lastText) return;
    if (handoff.id !== my.handoffId) {
      $("assist-summary-lines").replaceChildren();
      $("assist-suggestions").replaceChildren();
      my.view = null;
    }
    my.handoffId = handoff.id;
    my.lastText = text;
    load(handoff).catch((error) => { $("action-error").textContent = error.message; });
  }

  function onSent(text) {
    if (!my.api || my.handoffId === null || !my.shown.length) return;
    const chosen = my.chosen;
    const body = chosen
      ? { source: chosen.source, ref: chosen.ref, outcome: text === chosen.text.trim() ? "sent" : "edited" }
      : { source: my.shown[0].source, ref: my.shown[0].ref, outcome: "ignored" };
    my.chosen = null;
    my.api("POST", `/api/assist/handoffs/${my.handoffId}/suggestions/outcome`, body).catch(() => {});
  }

  document.addEventListener("keydown", onKey, true);
  document.addEventListener("input", (event) => { if (event.target.id === "reply-text") updateCompletion(); });
  return { onConversation, onSent };
})();
