// Composer helpers (progressive enhancement; everything works without them):
// an uploaded file's Markdown goes straight into the text at the cursor.
(function () {
  "use strict";

  function insertAtCursor(textarea, text) {
    const start = textarea.selectionStart ?? textarea.value.length;
    const end = textarea.selectionEnd ?? textarea.value.length;
    const before = textarea.value.slice(0, start);
    const after = textarea.value.slice(end);
    const spacer = before && !before.endsWith("\n") ? "\n" : "";
    textarea.value = before + spacer + text + "\n" + after;
    const cursor = (before + spacer + text + "\n").length;
    textarea.setSelectionRange(cursor, cursor);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
    textarea.focus();
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    const uploader = event.target.closest && event.target.closest("form.uploader");
    if (!uploader) {
      return;
    }
    const results = uploader.querySelectorAll(".upload-result[data-markdown]");
    const latest = results[results.length - 1];
    const input = uploader.querySelector("input[type=file]");
    const textarea = input && document.getElementById(input.dataset.composerTarget);
    if (latest && textarea && !latest.dataset.inserted) {
      insertAtCursor(textarea, latest.dataset.markdown);
      latest.dataset.inserted = "yes";
      input.value = "";
    }
  });
})();
