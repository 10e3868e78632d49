// The sources page: upload files (drop zone or file input) and URLs, follow each ingestion
// job until it is done (a Stop button cancels one), refresh the sources table, delete a source.

import { api, el, msg, wireConfirmations } from "./common.js";

const root = document.getElementById("sources");
const notebookId = root.dataset.notebookId;
const base = `/api/notebooks/${encodeURIComponent(notebookId)}`;
const uploadForm = document.getElementById("upload-form");
const fileInput = document.getElementById("files");
const urlForm = document.getElementById("url-form");
const status = document.getElementById("sources-status");
const jobList = document.getElementById("jobs");

const POLL_MS = 600;
const FINISHED = new Set(["added", "updated", "unchanged", "error"]);

// ------------------------------------------------------------------ uploading

fileInput.addEventListener("change", () => {
  if (fileInput.files.length) upload(fileInput.files);
});

uploadForm.addEventListener("submit", (event) => {
  event.preventDefault();
  if (fileInput.files.length) upload(fileInput.files);
});

for (const name of ["dragenter", "dragover"]) {
  uploadForm.addEventListener(name, (event) => {
    if (!event.dataTransfer || !event.dataTransfer.types.includes("Files")) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    uploadForm.classList.add("dragover");
  });
}
for (const name of ["dragleave", "dragend"]) {
  uploadForm.addEventListener(name, (event) => {
    if (name === "dragleave" && uploadForm.contains(event.relatedTarget)) return;
    uploadForm.classList.remove("dragover");
  });
}
uploadForm.addEventListener("drop", (event) => {
  event.preventDefault();
  uploadForm.classList.remove("dragover");
  const files = event.dataTransfer ? event.dataTransfer.files : null;
  if (files && files.length) upload(files);
});

async function upload(files) {
  const body = new FormData();
  for (const file of files) body.append("files", file, file.name);
  status.textContent = msg("sources.uploading", { n: files.length });
  try {
    const job = await api(`${base}/sources`, { method: "POST", body });
    fileInput.value = "";
    follow(job);
  } catch (error) {
    status.textContent = `${msg("sources.upload_failed")} ${error.message}`;
  }
}

urlForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = urlForm.elements.url;
  const url = input.value.trim();
  if (!url) return;
  try {
    const job = await api(`${base}/sources/url`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ url }),
    });
    input.value = "";
    status.textContent = msg("sources.url_added");
    follow(job);
  } catch (error) {
    status.textContent = `${msg("sources.upload_failed")} ${error.message}`;
  }
});

// ------------------------------------------------------------------ following jobs

const shown = new Map(); // job id -> its <li>

function follow(job) {
  render(job);
  if (job.state === "done") {
    finished(job);
    return;
  }
  setTimeout(() => poll(job.id), POLL_MS);
}

async function poll(id) {
  let job;
  try {
    job = await api(`/api/jobs/${encodeURIComponent(id)}`);
  } catch (error) {
    status.textContent = error.message;
    return;
  }
  follow(job);
  refreshTable(); // each finished input shows up in the table as soon as it is stored
}

function jobLabel(job) {
  const embedding = job.state === "embedding" && job.to_embed;
  if (job.state === "done" && job.cancelled) return msg("sources.job_cancelled", { done: job.done, total: job.total });
  if (job.state === "done")
    return msg(job.errors ? "sources.job_errors" : "sources.job_done", { done: job.done, total: job.total, errors: job.errors });
  if (job.cancelled) return msg("sources.job_stopping", { done: job.done, total: job.total });
  return embedding
    ? msg("sources.job_embedding", { done: job.embedded, total: job.to_embed })
    : msg("sources.job_progress", { done: job.done, total: job.total });
}

function render(job) {
  let item = shown.get(job.id);
  if (!item) {
    item = el("li", { class: "job", "data-job-id": job.id, tabindex: "-1" });
    shown.set(job.id, item);
    jobList.prepend(item);
  }
  const embedding = job.state === "embedding" && job.to_embed;
  const label = jobLabel(job);
  const progress = el("progress", {
    max: embedding ? job.to_embed : job.total,
    value: embedding ? job.embedded : job.done,
    "aria-label": label,
  });
  const items = el(
    "ul",
    { class: "job-items" },
    ...job.items.map((i) =>
      el(
        "li",
        {},
        `${i.name} — `,
        el("span", { class: `status ${i.status}`, text: msg(`status.${i.status}`) }),
        i.status === "indexing" && i.total_s
          ? el("span", {
              class: "muted",
              text: ` ${msg("status.transcribing", { done: Math.round(i.done_s || 0), total: Math.round(i.total_s), eta: i.eta_s ?? "?" })}`,
            })
          : null,
        i.error ? el("span", { class: "error-text", text: ` ${i.error}` }) : null,
      ),
    ),
  );
  const stopped = job.state === "done" && job.cancelled;
  const stateText = stopped
    ? msg("status.cancelled")
    : job.state === "done"
      ? msg("status.ready")
      : msg(job.cancelled ? "status.stopping" : `status.${job.state}`);
  const stateClass = stopped ? "cancelled" : job.state === "done" ? (job.errors ? "error" : "done") : "running";
  item.dataset.state = stopped ? "cancelled" : job.state;
  const parts = [
    el("strong", { text: label }),
    el("span", { class: `status ${stateClass}`, text: stateText }),
    progress,
    items,
  ];
  if (job.error && !job.cancelled) parts.push(el("p", { class: "error-text", text: job.error }));
  // The Stop button stays the same node while the job is followed, so that it keeps the focus.
  let stop = item.querySelector("button.stop-job");
  for (const child of [...item.children]) if (child !== stop) child.remove();
  item.prepend(...parts);
  if (job.state === "done" || job.cancelled) {
    if (stop) {
      const focused = stop === document.activeElement;
      stop.remove();
      if (focused) item.focus();
    }
  } else if (!stop) {
    const names = job.items.map((i) => i.name).join(", ");
    stop = el("button", {
      type: "button",
      class: "stop-job",
      "data-job-id": job.id,
      "aria-label": msg("sources.stop_named", { names }),
      text: msg("sources.stop"),
    });
    item.append(stop);
  }
  if (job.state === "done" || job.items.every((i) => FINISHED.has(i.status))) status.textContent = label;
}

// Stop: the queue cancels a queued job at once, a running one before its next input.
jobList.addEventListener("click", async (event) => {
  const button = event.target.closest("button.stop-job");
  if (!button || button.getAttribute("aria-disabled") === "true") return;
  button.setAttribute("aria-disabled", "true"); // not `disabled`: that would drop the focus
  try {
    const job = await api(`/api/jobs/${encodeURIComponent(button.dataset.jobId)}/cancel`, { method: "POST" });
    status.textContent = jobLabel(job);
    render(job);
    if (job.state === "done") finished(job);
  } catch (error) {
    button.removeAttribute("aria-disabled");
    status.textContent = error.message;
  }
});

function finished(job) {
  status.textContent = job.cancelled
    ? msg("sources.job_cancelled", { done: job.done, total: job.total })
    : job.errors
    ? msg("sources.job_errors", { done: job.done, total: job.total, errors: job.errors })
    : msg("sources.job_done", { done: job.done, total: job.total });
  refreshTable();
}

let refreshing = null;
async function refreshTable() {
  if (refreshing) return refreshing;
  refreshing = (async () => {
    try {
      const html = await api(`/notebooks/${encodeURIComponent(notebookId)}/sources/table`, {
        headers: { Accept: "text/html" },
      });
      const current = document.getElementById("sources-table");
      const fresh = new DOMParser().parseFromString(html, "text/html").getElementById("sources-table");
      if (current && fresh) current.replaceWith(document.adoptNode(fresh));
    } catch {
      /* the next poll tries again */
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

// ------------------------------------------------------------------ deleting

root.addEventListener("click", async (event) => {
  const button = event.target.closest("button.delete-source");
  if (!button) return;
  const row = button.closest("tr");
  const name = row?.querySelector(".title strong")?.textContent || "";
  if (!window.confirm(msg("sources.confirm_delete", { name }))) return;
  try {
    await api(`/api/sources/${encodeURIComponent(button.dataset.id)}`, { method: "DELETE" });
    status.textContent = msg("sources.deleted", { name });
    await refreshTable();
    document.getElementById("files").focus();
  } catch (error) {
    status.textContent = error.message;
  }
});

// Jobs still running when the page was opened are followed too.
for (const id of (root.dataset.runningJobs || "").split(" ").filter(Boolean)) poll(id);

wireConfirmations();
