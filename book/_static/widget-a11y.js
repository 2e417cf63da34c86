// Slider handles say what their slider is and what it shows, for screen readers.
// ipywidgets 8 renders sliders with noUiSlider, whose handle (role="slider") has no name, and whose
// aria-valuetext is the position's index ("10" where the readout shows W2 = 1.00). So:
//  - each handle gets its widget's label as its accessible name (aria-label);
//  - each handle's aria-valuetext is kept equal to what the readout shows, with the slider's name
//    ("W2 = 1.00", "30 updates", "Stage: 2"), every time the slider moves.
// The widgets render after the page loads, so handles are looked after as they appear and change.
(function () {
  // What a screen reader says for a slider named `label` showing `value`.
  function valueText(label, value) {
    var name = label.replace(/\s*\([^)]*\)\s*$/, "").trim();  // "W2 (recurrent weight)" -> "W2"
    if (!name) return value;
    if (/^[a-z]+$/.test(name)) return value + " " + name;      // a unit: "30 updates"
    if (name.length <= 4 || /[_\d\u2080-\u2089]/.test(name)) return name + " = " + value;  // a symbol
    return name + ": " + value;
  }
  window.rnnBookSliderValueText = valueText;  // for the browser test

  function update(root) {
    root.querySelectorAll(".widget-slider").forEach(function (slider) {
      var handle = slider.querySelector(".noUi-handle");
      if (!handle) return;
      var label = slider.querySelector(".widget-label");
      var name = label ? label.textContent.trim() : "";
      if (name && !handle.getAttribute("aria-label")) handle.setAttribute("aria-label", name);
      var readout = slider.querySelector(".widget-readout");
      var value = readout ? readout.textContent.trim() : "";
      if (!value) return;
      var text = valueText(name, value);
      if (handle.getAttribute("aria-valuetext") !== text) handle.setAttribute("aria-valuetext", text);
    });
  }
  function start() {
    update(document);
    // Setting aria-valuetext triggers the observer once more; it then finds nothing to change.
    new MutationObserver(function () { update(document); }).observe(document.body, {
      childList: true, subtree: true, characterData: true,
      attributes: true, attributeFilter: ["aria-valuetext", "aria-valuenow"],
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
