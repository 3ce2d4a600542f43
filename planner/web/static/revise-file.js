// dose-planner, /revise: a chosen plan file's text fills the plan's field, and its name
// is kept to name the new file. Without this script the text is pasted: the form is the same.
"use strict";

for (const picker of document.querySelectorAll("input[type=file][data-revise-fills]")) {
  picker.closest(".script-only").hidden = false;
  picker.addEventListener("change", async () => {
    const file = picker.files && picker.files[0];
    if (!file) return;
    document.getElementById(picker.dataset.reviseFills).value = await file.text();
    document.getElementById(picker.dataset.reviseNames).value = file.name;
  });
}
