// The theme's buttons say in their accessible name what they show (WCAG 2.5.3, "label in name"):
// a speech-input user says what they see, and the button must answer to it.
//  - The search buttons that show "Search Ctrl+K" are named by that text, not by an aria-label
//    "Search" that leaves out the shortcut they show; so are the summaries of collapsed code
//    ("Show code cell source"), which sphinx-togglebutton labels "Toggle hidden content".
//  - The colour-mode button shows one icon, whose title is the mode in use ("Light", "Dark",
//    "System Settings"); its name says both what it is and that mode: "Color mode: Dark". The name
//    follows the mode as the button (or the system) changes it.
(function () {
  function nameByVisibleText() {
    document.querySelectorAll(".search-button-field[aria-label], details > summary[aria-label]").forEach(function (button) {
      if (button.innerText.trim()) button.removeAttribute("aria-label");
    });
  }

  function modeTitle(button, mode) {
    var icon = button.querySelector('[data-mode="' + mode + '"]');
    if (!icon) return "";
    var title = icon.getAttribute("title") || (icon.querySelector("title") || {}).textContent || "";
    return title.trim();
  }

  function nameModeButtons() {
    var mode = document.documentElement.dataset.mode || "auto";
    document.querySelectorAll(".theme-switch-button").forEach(function (button) {
      var title = modeTitle(button, mode);
      var name = title ? "Color mode: " + title : "Color mode";
      if (button.getAttribute("aria-label") !== name) button.setAttribute("aria-label", name);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    nameByVisibleText();
    nameModeButtons();
    // The mode changes on click (or with the system's); Font Awesome swaps the icons for SVGs
    // after load.
    new MutationObserver(nameModeButtons).observe(document.documentElement,
      {attributes: true, attributeFilter: ["data-mode"]});
    document.querySelectorAll(".theme-switch-button").forEach(function (button) {
      new MutationObserver(nameModeButtons).observe(button, {childList: true, subtree: true});
    });
  });
})();
