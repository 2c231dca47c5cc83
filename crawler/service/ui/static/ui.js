// Progressive enhancement only: every page reads without it.
"use strict";

function follow(live) {
  // A run's counters and log, refreshed every two seconds until the run ends.
  const finalStates = ["succeeded", "failed", "cancelled", "interrupted"];
  const log = document.getElementById("run-log");
  let after = Number(live.dataset.after || 0);
  async function tick() {
    try {
      const state = await (await fetch(live.dataset.stateUrl, {credentials: "same-origin"})).json();
      const status = document.getElementById("run-status");
      status.textContent = state.status;
      status.className = "state state-" + state.status;
      for (const [name, value] of Object.entries(state.counters || {})) {
        const cell = document.getElementById("counter-" + name);
        if (cell) cell.textContent = value;
      }
      const events = await (await fetch(live.dataset.logsUrl + "?after=" + after, {credentials: "same-origin"})).json();
      for (const event of events) {
        log.append(event.at + " " + event.message + "\n");
        after = event.id;
      }
      if (!finalStates.includes(state.status)) {
        setTimeout(tick, 2000);
      } else if (state.status !== live.dataset.renderedStatus) {
        // The run ended since the page was drawn: draw it again, with the buttons, times,
        // coverage and files of the ended run.
        window.location.reload();
      }
    } catch (error) {
      setTimeout(tick, 5000);
    }
  }
  tick();
}

function citations() {
  const select = document.getElementById("citation-format");
  const shown = document.getElementById("citation");
  if (!select || !shown) return;
  select.addEventListener("change", () => {
    shown.textContent = document.getElementById("citation-" + select.value).content.textContent;
  });
  const button = document.getElementById("copy-citation");
  button.addEventListener("click", async () => {
    await navigator.clipboard.writeText(shown.textContent);
    document.getElementById("copy-done").textContent = "Copied.";
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const live = document.getElementById("live");
  if (live) follow(live);
  citations();
});
