// "Print this list": a real button that opens the browser's print dialog. A script file, not
// an onclick attribute: the CSP runs no inline code. Without JavaScript the button stays hidden.
(function () {
  "use strict";
  var buttons = document.querySelectorAll("[data-print]");
  if (typeof window.print !== "function") return;
  Array.prototype.forEach.call(buttons, function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
