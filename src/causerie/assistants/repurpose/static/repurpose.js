// The run page: a click on a sentence shows the passage it rests on beside the drafts (the
// list under each draft holds it; this copies it into the panel), and copy buttons copy a post
// or a draft. Without the script each sentence links to its passage in that list.

const panel = document.getElementById("rp-passage");

function show(link) {
  const item = document.getElementById(link.dataset.sentence);
  if (!panel || !item) return false;
  for (const other of document.querySelectorAll(".rp-sentence[aria-current]")) {
    other.removeAttribute("aria-current");
  }
  link.setAttribute("aria-current", "true");
  panel.querySelector(".rp-said").textContent = item.querySelector(".rp-said").textContent;
  const quoted = panel.querySelector(".rp-passage-text");
  quoted.replaceChildren();
  for (const passage of item.querySelectorAll(".rp-passage-text")) {
    for (const node of passage.childNodes) quoted.append(node.cloneNode(true));
    quoted.append(" ");
  }
  const where = [...item.querySelectorAll(".rp-where")].map((p) => p.textContent.trim());
  panel.querySelector(".rp-where").textContent = where.join(" · ");
  panel.hidden = false;
  return true;
}

for (const link of document.querySelectorAll(".rp-sentence")) {
  link.addEventListener("click", (event) => {
    if (show(link)) event.preventDefault();
  });
}

for (const button of document.querySelectorAll(".rp-copy")) {
  button.addEventListener("click", async () => {
    const status = button.parentElement.querySelector(".rp-copied");
    try {
      await navigator.clipboard.writeText(button.dataset.copy);
      if (status) status.textContent = button.dataset.copied;
    } catch (error) {
      if (status) status.textContent = String(error);
    }
  });
}
