// "Use my location": asks the browser, rounds to about half a mile, and searches from there.
(function () {
  "use strict";
  var button = document.querySelector("[data-locate]");
  if (!button || !("geolocation" in navigator)) return;
  var form = button.form;
  var status = form.querySelector(".locate-status");
  button.hidden = false;
  button.addEventListener("click", function () {
    // The words are the page's (data-asking, data-failed), in the reader's language.
    status.textContent = button.getAttribute("data-asking");
    navigator.geolocation.getCurrentPosition(function (pos) {
      var params = new URLSearchParams(new FormData(form));
      params.delete("q");
      // Two decimals is about half a mile: enough to find care, and the link shares no more.
      params.set("lat", pos.coords.latitude.toFixed(2));
      params.set("lon", pos.coords.longitude.toFixed(2));
      window.location.href = form.action + "?" + params.toString();
    }, function () {
      status.textContent = button.getAttribute("data-failed");
    }, { maximumAge: 600000, timeout: 10000 });
  });
})();
