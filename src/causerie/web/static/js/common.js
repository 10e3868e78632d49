// Shared helpers for the pages: the CSRF header, JSON fetches, page messages, confirmations.

export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

// Messages for scripts come from a JSON data block the template fills (no inline script runs).
let messages = null;
export function msg(key, values = {}) {
  if (messages === null) {
    const block = document.getElementById("page-messages");
    messages = block ? JSON.parse(block.textContent) : {};
  }
  let text = messages[key] || key;
  for (const [name, value] of Object.entries(values)) {
    text = text.replaceAll(`{${name}}`, String(value));
  }
  return text;
}

export class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// fetch() with the CSRF header on unsafe methods and the JSON error message on failure.
export async function api(url, options = {}) {
  const method = (options.method || "GET").toUpperCase();
  const headers = new Headers(options.headers || {});
  if (!["GET", "HEAD", "OPTIONS"].includes(method)) {
    headers.set("X-CSRF-Token", csrfToken());
  }
  if (!headers.has("Accept")) headers.set("Accept", "application/json");
  const response = await fetch(url, { ...options, method, headers, credentials: "same-origin" });
  if (response.status === 401) {
    window.location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
    throw new HttpError(401, msg("error.signed_out"));
  }
  if (!response.ok) {
    throw new HttpError(response.status, await errorText(response));
  }
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") || "";
  return type.includes("json") ? response.json() : response.text();
}

export async function errorText(response) {
  try {
    const body = await response.json();
    const error = body && (body.error ?? body.detail);
    if (typeof error === "string") return error;
    if (error && typeof error.message === "string") return error.message;
    if (body && typeof body.message === "string") return body.message;
  } catch {
    /* not JSON */
  }
  return `${response.status} ${response.statusText}`;
}

// Every form or button with data-confirm asks first (delete a notebook, a source, a chat).
export function wireConfirmations(root = document) {
  root.addEventListener("submit", (event) => {
    const form = event.target;
    const question = form instanceof HTMLFormElement && form.dataset.confirm;
    if (question && !window.confirm(question)) event.preventDefault();
  });
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// The short label a locator gets everywhere: "p. 3", "Setup > Install", "00:01:02-00:01:09".
export function locatorLabel(locator) {
  if (!locator) return "";
  const parts = [];
  if (locator.page !== undefined && locator.page !== null) parts.push(`p. ${locator.page}`);
  if (locator.heading_path && locator.heading_path.length) parts.push(locator.heading_path.join(" > "));
  if (locator.start_s !== undefined && locator.start_s !== null) {
    const end = locator.end_s !== undefined && locator.end_s !== null ? `-${timestamp(locator.end_s)}` : "";
    parts.push(`${timestamp(locator.start_s)}${end}`);
  }
  return parts.join(", ");
}

function timestamp(seconds) {
  const total = Math.floor(seconds);
  const pad = (n) => String(n).padStart(2, "0");
  return `${pad(Math.floor(total / 3600))}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
}
