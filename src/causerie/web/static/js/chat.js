// The chat page: ask, stream the answer (as text), swap in the server's sanitised HTML with
// citation chips, open a cited passage in its context, stop a generation, manage conversations.
//
// Model text is only ever written with textContent while it streams; the one innerHTML is the
// server's `html` field, which causerie.web.markdown rendered and sanitised.

import { api, el, errorText, locatorLabel, msg, wireConfirmations } from "./common.js";

const root = document.getElementById("chat");
const notebookId = root.dataset.notebookId;
let conversationId = root.dataset.conversationId || null;

const messages = document.getElementById("messages");
const form = document.getElementById("ask-form");
const question = document.getElementById("question");
const sendButton = document.getElementById("send");
const stopButton = document.getElementById("stop");
const status = document.getElementById("chat-status");
const list = document.getElementById("conversation-list");
const dialog = document.getElementById("passage");

let controller = null;

// ------------------------------------------------------------------ asking

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = question.value.trim();
  if (!text || controller) return;
  ask(text);
});

question.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    form.requestSubmit();
  }
});

stopButton.addEventListener("click", () => {
  if (controller) controller.abort();
});

function setBusy(busy) {
  sendButton.disabled = busy;
  stopButton.hidden = !busy;
  question.readOnly = busy;
  if (!busy) question.focus();
}

async function ask(text) {
  document.getElementById("empty-chat")?.remove();
  messages.append(el("div", { class: "msg user", text }));
  const bubble = el("article", { class: "msg assistant", "aria-busy": "true" });
  const content = el("div", { class: "content streaming" });
  bubble.append(content);
  messages.append(bubble);
  bubble.scrollIntoView({ block: "nearest" });
  question.value = "";
  status.textContent = msg("chat.searching");
  controller = new AbortController();
  setBusy(true);
  let answered = false;
  try {
    const response = await fetch(`/api/notebooks/${encodeURIComponent(notebookId)}/chat`, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "text/event-stream",
        "X-CSRF-Token": document.querySelector('meta[name="csrf-token"]').content,
      },
      body: JSON.stringify({ question: text, conversation_id: conversationId }),
      signal: controller.signal,
    });
    if (!response.ok) throw new Error(await errorText(response));
    for await (const { event, data } of sseEvents(response)) {
      if (event === "retrieved") {
        const count = (data.passages || []).length;
        status.textContent = count ? msg("chat.writing", { n: count }) : msg("chat.no_passages");
        bubble.dataset.retrieved = JSON.stringify(data.passages || []);
      } else if (event === "conversation") {
        rememberConversation(data.conversation_id || data.id, data.title || text);
      } else if (event === "delta") {
        content.append(document.createTextNode(data.text || ""));
      } else if (event === "answer") {
        answered = true;
        showAnswer(bubble, content, data);
        rememberConversation(data.conversation_id, text);
        status.textContent = "";
      } else if (event === "error") {
        throw new Error(data.error || data.message || msg("chat.failed"));
      }
    }
    if (!answered) throw new Error(msg("chat.failed"));
  } catch (error) {
    content.classList.remove("streaming");
    if (error.name === "AbortError") {
      bubble.append(el("p", { class: "meta", text: msg("chat.stopped") }));
      status.textContent = msg("chat.stopped");
    } else {
      bubble.append(el("p", { class: "meta error-text", role: "alert", text: error.message }));
      status.textContent = "";
    }
  } finally {
    bubble.removeAttribute("aria-busy");
    controller = null;
    setBusy(false);
  }
}

// Server-sent events from a fetch() body: "event: name\ndata: json\n\n" blocks.
async function* sseEvents(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value.replace(/\r\n?/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length) yield { event, data: JSON.parse(data.join("\n")) };
    }
  }
}

function showAnswer(bubble, content, answer) {
  content.classList.remove("streaming");
  bubble.dataset.citations = JSON.stringify(answer.citations || []);
  if (typeof answer.html === "string") {
    content.innerHTML = answer.html; // rendered and sanitised by the server (markdown.py)
    for (const button of content.querySelectorAll("button.cite")) {
      button.setAttribute("aria-label", msg("chat.cite_label", { n: button.dataset.marker }));
    }
  } else {
    content.replaceChildren(...chipsFromText(answer.answer || "", answer.citations || []));
  }
  if (answer.abstained) bubble.classList.add("abstained");
  const notes = [];
  if (answer.interrupted) notes.push(msg("chat.interrupted"));
  if (answer.abstained) notes.push(msg("chat.abstained"));
  if (notes.length) bubble.append(el("p", { class: "meta", text: notes.join(" ") }));
  const used = sourcesUsed(answer.citations || []);
  if (used) bubble.append(used);
}

// Fallback when no server HTML came: plain text with [n] as chips, built node by node.
function chipsFromText(text, citations) {
  const known = new Set(citations.map((c) => String(c.marker)));
  const nodes = [];
  let last = 0;
  for (const match of text.matchAll(/\[(\d{1,3})\]/g)) {
    if (!known.has(match[1])) continue;
    nodes.push(document.createTextNode(text.slice(last, match.index)));
    nodes.push(chip(match[1]));
    last = match.index + match[0].length;
  }
  nodes.push(document.createTextNode(text.slice(last)));
  return [el("p", {}, ...nodes)];
}

function chip(marker) {
  return el("button", {
    type: "button",
    class: "cite",
    "data-marker": marker,
    "aria-haspopup": "dialog",
    "aria-label": msg("chat.cite_label", { n: marker }),
    text: marker,
  });
}

function sourcesUsed(citations) {
  if (!citations.length) return null;
  const items = citations.map((c) => {
    const label = locatorLabel(c.locator);
    return el("li", {}, chip(String(c.marker)), `${c.source}${label ? ` — ${label}` : ""}`);
  });
  return el("ul", { class: "sources-used", "aria-label": msg("chat.sources_used") }, ...items);
}

// ------------------------------------------------------------------ conversations

function rememberConversation(id, title) {
  if (!id || id === conversationId) return;
  conversationId = id;
  root.dataset.conversationId = id;
  const url = `/notebooks/${encodeURIComponent(notebookId)}/chat/${encodeURIComponent(id)}`;
  history.replaceState({}, "", url);
  list.querySelector("[aria-current]")?.removeAttribute("aria-current");
  document.getElementById("no-conversations")?.remove();
  const link = el("a", { href: url, "aria-current": "page", text: title.slice(0, 80) });
  const remove = el("button", {
    type: "button",
    class: "delete-conversation",
    "data-id": id,
    "aria-label": msg("chat.delete_conversation", { title: title.slice(0, 80) }),
    text: "×",
  });
  list.prepend(el("li", {}, link, remove));
}

list.addEventListener("click", async (event) => {
  const button = event.target.closest("button.delete-conversation");
  if (!button) return;
  if (!window.confirm(msg("chat.confirm_delete"))) return;
  const id = button.dataset.id;
  try {
    await api(`/api/conversations/${encodeURIComponent(id)}`, { method: "DELETE" });
  } catch (error) {
    status.textContent = error.message;
    return;
  }
  button.closest("li").remove();
  if (id === conversationId) {
    window.location.assign(`/notebooks/${encodeURIComponent(notebookId)}/chat`);
  } else {
    status.textContent = msg("chat.deleted");
  }
});

// ------------------------------------------------------------------ the passage panel

let opener = null;

messages.addEventListener("click", (event) => {
  const button = event.target.closest("button.cite");
  if (!button) return;
  const bubble = button.closest(".msg");
  const citations = JSON.parse(bubble?.dataset.citations || "[]");
  const citation = citations.find((c) => String(c.marker) === button.dataset.marker);
  if (citation) openPassage(citation, button);
});

document.getElementById("passage-close").addEventListener("click", () => dialog.close());
dialog.addEventListener("click", (event) => {
  if (event.target === dialog) dialog.close(); // a click on the backdrop
});
dialog.addEventListener("close", () => {
  if (opener && document.contains(opener)) opener.focus();
  opener = null;
});

async function openPassage(citation, button) {
  opener = button;
  const title = document.getElementById("passage-source");
  const where = document.getElementById("passage-locator");
  const body = document.getElementById("passage-body");
  title.textContent = `[${citation.marker}] ${citation.source}`;
  where.textContent = locatorLabel(citation.locator);
  body.replaceChildren(el("mark", { text: reflow(citation.text) }));
  if (!dialog.open) dialog.showModal();
  try {
    const url = `/api/notebooks/${encodeURIComponent(notebookId)}/passages/${encodeURIComponent(citation.chunk_id)}?context=2`;
    const passage = await api(url);
    showContext(passage, citation, title, where, body);
  } catch (error) {
    body.append(el("p", { class: "meta error-text", text: msg("chat.context_failed") }));
  }
  body.querySelector("mark")?.scrollIntoView({ block: "center" });
}

// The passage in its surrounding text: the passages before, <mark>the cited one</mark>, after.
function showContext(passage, citation, title, where, body) {
  if (!passage) return;
  const source = passage.source?.title || passage.source?.uri || citation.source;
  title.textContent = `[${citation.marker}] ${source}`;
  where.textContent = passage.label || locatorLabel(passage.locator || citation.locator);
  const around = (items) => (items || []).map((n) => reflow(n.text)).join("\n\n");
  const before = around(passage.before);
  const after = around(passage.after);
  body.replaceChildren(
    ...(before ? [el("span", { class: "context", text: `${before}\n\n` })] : []),
    el("mark", { text: reflow(passage.text ?? citation.text) }),
    ...(after ? [el("span", { class: "context", text: `\n\n${after}` })] : []),
  );
}

// Hard-wrapped source text (PDF lines, Markdown paragraphs) reads better rejoined; paragraph
// breaks, list items, headings and table rows keep their own lines.
function reflow(text) {
  return String(text || "").replace(/([^\n])\n(?![\n#>|*+-]|\s*\d+[.)]\s)/g, "$1 ");
}

wireConfirmations();
messages.lastElementChild?.scrollIntoView({ block: "nearest" });
