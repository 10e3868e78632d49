// A citation chip (data-seek="SECONDS") moves the page's player to that second and plays.
document.addEventListener("click", (event) => {
  const chip = event.target.closest("[data-seek]");
  const player = document.getElementById("player");
  if (!chip || !player) return;
  const seconds = Number(chip.dataset.seek);
  if (!Number.isFinite(seconds)) return;
  player.currentTime = seconds;
  player.dataset.seekedTo = String(seconds);
  const playing = player.play();
  if (playing && playing.catch) playing.catch(() => {});  // autoplay may be refused: seek stays
  player.scrollIntoView({ block: "nearest" });
});
