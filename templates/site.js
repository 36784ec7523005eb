// Enhances an episode page; without it every link still works (they play the audio from that time).
// Chapter, transcript and show-note timestamps seek the page's player instead of leaving the page,
// the chapter and transcript line being heard are highlighted, and #t=SECONDS in the page's address
// starts the player there.
(function () {
  "use strict";
  var player = document.getElementById("player");
  if (!player) return;
  var groups = [".chapters [data-start]", ".transcript [data-start]"].map(function (selector) {
    return Array.prototype.slice.call(document.querySelectorAll(selector));
  });

  function play(seconds) {
    player.currentTime = seconds;
    var started = player.play();
    // A browser may refuse to start playing; the player then waits at that time for the listener.
    if (started) started.catch(function () {});
    highlight();
  }

  function highlight() {
    var now = player.currentTime + 0.25;
    groups.forEach(function (links) {
      var current = null;
      links.forEach(function (link) { if (parseFloat(link.dataset.start) <= now) current = link; });
      links.forEach(function (link) {
        if (link === current) link.setAttribute("aria-current", "time");
        else link.removeAttribute("aria-current");
      });
    });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-start]");
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    var seconds = parseFloat(link.dataset.start);
    if (!isFinite(seconds)) return;
    event.preventDefault();
    play(seconds);
  });
  player.addEventListener("timeupdate", highlight);
  player.addEventListener("seeked", highlight);

  var fragment = /^#t=(\d+(?:\.\d+)?)$/.exec(window.location.hash);
  if (fragment) player.currentTime = parseFloat(fragment[1]);
})();
