// The demo page: one SocketManager against the local event server (which serves this
// page), showing status, every batch and the running stats, and buttons that trigger
// the server's faults so a visitor can watch the SDK recover.
import init, { SocketManager } from "/pkg/calimero_socket.js";

const CONTEXTS = [
  "29d2S7vB453rNYFdR5Ycwt7y9haRT5fwVwL9zTmBhfV2",
  "3JF3sEqM796hk5WFqA6EtmEwJQ9quALszsfJyvXNQKy3",
];
const session = "demo-" + Math.random().toString(36).slice(2, 8);
const $ = (id) => document.getElementById(id);

await init();
const manager = new SocketManager({
  url: `ws://${location.host}/ws?session=${session}`,
  contextIds: CONTEXTS,
  reconnectMaxDelayMs: 5000,
});
window.manager = manager; // handy in the console

manager.onStatus((s) => {
  $("status").textContent = s;
  $("status").className = `status ${s}`;
});

manager.onError((e) => {
  const li = document.createElement("li");
  li.textContent = `${new Date().toLocaleTimeString()} ${e.code}: ${e.message}`;
  $("errors").prepend(li);
  while ($("errors").children.length > 30) $("errors").lastChild.remove();
});

manager.onBatch((batch) => {
  const row = document.createElement("tr");
  const flags = Object.entries(batch.flags).filter(([, on]) => on).map(([f]) => `<span class="flag ${f}">${f}</span>`).join("");
  const kinds = Object.entries(batch.kinds).map(([k, n]) => `${k}×${n}`).join(", ");
  row.innerHTML = `<td>${new Date().toLocaleTimeString()}</td><td>${batch.size}</td><td>${flags}</td><td>${kinds}</td><td>${batch.reason}</td>`;
  $("batches").prepend(row);
  while ($("batches").children.length > 40) $("batches").lastChild.remove();
});

const SHOWN = ["status", "framesReceived", "batchesDelivered", "framesPerBatch", "refreshesSaved", "framesDropped",
  "errors", "reconnects", "queued", "lastRttMs", "memoryBytes"];
setInterval(() => {
  const s = manager.stats();
  $("stats").innerHTML = SHOWN.map((k) => {
    const v = typeof s[k] === "number" && !Number.isInteger(s[k]) ? s[k].toFixed(1) : s[k];
    return `<dt>${k}</dt><dd>${v ?? "–"}</dd>`;
  }).join("");
}, 250);

for (const button of document.querySelectorAll("button[data-control]")) {
  button.addEventListener("click", () => {
    const q = button.dataset.query ? `&${button.dataset.query}` : "";
    fetch(`/control/${button.dataset.control}?session=${session}${q}`);
  });
}

manager.connect();
