// Copy the draft to the clipboard (the only script of the mail pages; no inline script runs).
document.addEventListener("click", (event) => {
  const button = event.target.closest(".mail-copy");
  if (!button) return;
  const area = document.getElementById(button.dataset.target);
  if (!area) return;
  area.select();
  const done = () => { button.dataset.copied = "1"; };
  if (navigator.clipboard) {
    navigator.clipboard.writeText(area.value).then(done, () => { document.execCommand("copy"); done(); });
  } else {
    document.execCommand("copy");
    done();
  }
});
