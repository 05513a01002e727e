// The story desk's copy buttons: copy the block to the clipboard, then count the copy.
// Each button submits a real form (CSRF token included); without this script the form
// still counts the copy and the partner copies the text by hand.
"use strict";

(function () {
  function copyText(source) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(source.value);
    }
    // Plain http (a development server): select the text and use the old command.
    source.focus();
    source.select();
    return document.execCommand("copy") ? Promise.resolve() : Promise.reject(new Error("copy"));
  }

  function count(form) {
    return fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      keepalive: true,
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.copySource) return;
    var source = document.getElementById(form.dataset.copySource);
    var status = form.querySelector(".desk-copy__status");
    if (!source) return;
    event.preventDefault();
    copyText(source).then(
      function () {
        if (status) status.textContent = "Copied. Paste it into your CMS.";
        form.dataset.copied = "true";
        count(form).catch(function () {});
      },
      function () {
        if (status) status.textContent = "Your browser did not allow copying: select the text and copy it.";
        source.focus();
        source.select();
      }
    );
  });
})();
