// Give every slider handle the accessible name its widget shows as a label.
// ipywidgets 8 renders sliders with noUiSlider, whose handle (role="slider") has no name, so a
// screen reader would announce "slider" without saying which one. The widgets render after the
// page loads, so new handles are labelled as they appear.
(function () {
  function labelHandles(root) {
    root.querySelectorAll(".widget-slider, .widget-hslider, .widget-vslider").forEach(function (slider) {
      var handle = slider.querySelector(".noUi-handle");
      var label = slider.querySelector(".widget-label");
      if (handle && !handle.getAttribute("aria-label") && label && label.textContent.trim()) {
        handle.setAttribute("aria-label", label.textContent.trim());
      }
    });
  }
  function start() {
    labelHandles(document);
    new MutationObserver(function () { labelHandles(document); })
      .observe(document.body, { childList: true, subtree: true });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
