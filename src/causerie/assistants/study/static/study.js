// The study pages: a busy note while a quiz or cards are being written, and keys on the
// review page (Space or Enter shows the answer; 1 to 4 rate it). The pages work without it.

import { wireConfirmations } from "/static/js/common.js";

wireConfirmations();

for (const form of document.querySelectorAll("form.study-busy")) {
  form.addEventListener("submit", () => {
    const button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    form.setAttribute("aria-busy", "true");
  });
}

const back = document.getElementById("card-back");
if (back) {
  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const target = event.target;
    if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement) return;
    if (!back.open && (event.key === " " || event.key === "Enter")) {
      if (target instanceof HTMLElement && target.closest("summary, button, a")) return;
      event.preventDefault();
      back.open = true;
      back.querySelector("button[data-key]")?.focus();
      return;
    }
    if (back.open && ["1", "2", "3", "4"].includes(event.key)) {
      const button = back.querySelector(`button[data-key="${event.key}"]`);
      if (button) {
        event.preventDefault();
        button.click();
      }
    }
  });
}
