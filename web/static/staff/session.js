// Kefu staff pages (agent console, FAQ editor, dashboard): the one staff session and the DOM helpers.
// Each page loads this before its own script (the staff CSP allows same-origin scripts only, no inline
// ones) and calls staffSession({...}) with the roles it admits and its messages. The session: the
// login form (#login-view, #login-form, #login-username, #login-password, #login-error), the logout
// button (#logout), the token in sessionStorage, the authorised fetch (401: logged out; 403: logged
// out with the page's message, when it gives one) and the switch between #login-view and #app-view.
// Every text from the server is set with textContent or as a text node (never parsed as HTML).
"use strict";

const $ = (id) => document.getElementById(id);

// el("li", { class: "msg", dataRole: "agent", onclick: fn }, "text", childNode, null) → <li ...>
// dataFooBar becomes data-foo-bar; on* attributes become listeners; null/undefined children are skipped.
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("data")) node.setAttribute(key.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase()), value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

const LOGIN_FAILED = "登录失败 Login failed";
const LOG_IN_AGAIN = "请重新登录 Please log in again";

// options:
//   storage    sessionStorage key prefix: the token is kept under `${storage}.token`, the user under `${storage}.user`
//   roles      the roles the page admits ("admin" always passes, as on the server)
//   messages   { wrongRole: shown when a login of another role succeeds,
//                expired: shown on the login form after a 401 (optional),
//                forbidden: a 403 logs out with this message (optional; otherwise a 403 is an ordinary error) }
//   onStart()  called once the page's app view is shown with a token (after a login or on load)
//   onLogout() called when the session ends, before the login view is shown (close streams, timers)
function staffSession({ storage, roles, messages, onStart, onLogout = () => {} }) {
  const admits = new Set([...roles, "admin"]);
  const session = {
    token: sessionStorage.getItem(`${storage}.token`),
    user: sessionStorage.getItem(`${storage}.user`),

    // fetch with the token: { ok, status, data } (data {} when the body is not JSON)
    async request(method, path, body) {
      const headers = { Authorization: `Bearer ${session.token}` };
      if (body !== undefined) headers["Content-Type"] = "application/json";
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const response = await fetch(path, { method, headers, body: payload });
      const data = await response.json().catch(() => ({}));
      if (response.status === 401) { session.logout(messages.expired); throw new Error(LOG_IN_AGAIN); }
      if (response.status === 403 && messages.forbidden) {
        session.logout(messages.forbidden);
        throw new Error(messages.forbidden);
      }
      return { ok: response.ok, status: response.status, data };
    },

    // the answer's data; an Error with the server's message when it is not a success
    async json(method, path, body) {
      const { ok, status, data } = await session.request(method, path, body);
      if (!ok) throw new Error((data && data.error) || `HTTP ${status}`);
      return data;
    },

    logout(message) {
      sessionStorage.removeItem(`${storage}.token`); sessionStorage.removeItem(`${storage}.user`);
      session.token = null;
      onLogout();
      $("login-error").textContent = typeof message === "string" ? message : "";
      $("app-view").hidden = true; $("login-view").hidden = false;
    },

    // wires the login form and the logout button; shows the app (token kept) or the login form
    begin() {
      $("login-form").addEventListener("submit", login);
      $("logout").addEventListener("click", () => session.logout());
      if (session.token) start(); else $("login-view").hidden = false;
    },
  };

  async function login(event) {
    event.preventDefault();
    $("login-error").textContent = "";
    const response = await fetch("/api/auth/login", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: $("login-username").value, password: $("login-password").value }),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) { $("login-error").textContent = data.error || LOGIN_FAILED; return; }
    if (!admits.has(data.role)) { $("login-error").textContent = messages.wrongRole; return; }
    session.token = data.token; session.user = data.username || $("login-username").value;
    sessionStorage.setItem(`${storage}.token`, session.token); sessionStorage.setItem(`${storage}.user`, session.user);
    start();
  }

  function start() {
    $("login-view").hidden = true;
    $("app-view").hidden = false;
    $("me").textContent = session.user || "";
    onStart();
  }

  return session;
}
