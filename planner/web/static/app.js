// dose-planner: plan without reloading the whole page. The form works without this
// script (the server renders every page); served by the app itself, no CDN.
"use strict";

async function swap(form, submitter) {
  const body = new URLSearchParams(new FormData(form, submitter));
  const response = await fetch(form.getAttribute("action"), {
    method: "POST",
    body,
    headers: { "X-Planner-Partial": "1" },
    credentials: "same-origin",
  });
  const html = await response.text();
  const next = new DOMParser().parseFromString(html, "text/html").getElementById("work");
  if (!next) {
    form.submit();
    return;
  }
  document.getElementById("work").replaceWith(next);
  const target =
    next.querySelector("#error-summary") ||
    (submitter && submitter.value === "refresh" ? next.querySelector("#field-protocol") : null) ||
    next.querySelector("#results-title");
  if (target) target.focus();
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-partial")) return;
  event.preventDefault();
  swap(form, event.submitter).catch(() => form.submit());
});

document.addEventListener("change", (event) => {
  const select = event.target;
  if (!(select instanceof HTMLSelectElement) || !select.hasAttribute("data-refresh")) return;
  const form = select.form;
  if (!form || !form.hasAttribute("data-partial")) return;
  const refresh = document.createElement("button");
  refresh.name = "action";
  refresh.value = "refresh";
  refresh.hidden = true;
  form.append(refresh);
  swap(form, refresh).catch(() => form.submit());
});

// The calendar's Print button: shown only where a script can print (else the words
// beside it say Ctrl+P).
for (const button of document.querySelectorAll("button[data-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
