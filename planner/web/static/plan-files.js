// dose-planner, /diff: a chosen plan file's text fills its field, and its name is kept
// to name the plan. Without this script the text is pasted: the form is the same.
"use strict";

for (const picker of document.querySelectorAll("input[type=file][data-fills]")) {
  picker.closest(".script-only").hidden = false;
  picker.addEventListener("change", async () => {
    const file = picker.files && picker.files[0];
    if (!file) return;
    document.getElementById(picker.dataset.fills).value = await file.text();
    document.getElementById(picker.dataset.names).value = file.name;
  });
}
