// Loaded after require.js and before the ipywidgets HTML manager (see nb_ipywidgets_js in _config.yml).
(function () {
  // The manager locates its own fonts from the URL require.js resolves for it: point require.js
  // at the copy the build puts under _static/vendor, whatever the depth of the page.
  var root = document.documentElement.dataset.content_root || "";
  require.config({ baseUrl: root + "_static/vendor/" });

  // ipywidgets typesets widget labels through MathJax 2's API (MathJax.Hub.Queue); the book
  // loads MathJax 3, whose equivalent is MathJax.typesetPromise. MathJax 3 replaces the global
  // object when its (deferred) script runs, so the bridge is added again once it has run.
  function addHubBridge() {
    var mathjax = (window.MathJax = window.MathJax || {});
    if (mathjax.Hub) return;
    mathjax.Hub = {
      Queue: function () {
        Array.prototype.forEach.call(arguments, function (call) {
          if (Array.isArray(call) && call[0] === "Typeset" && window.MathJax.typesetPromise) {
            window.MathJax.typesetPromise([call[2]]).catch(function () {});
          }
        });
      },
    };
  }
  addHubBridge();
  document.addEventListener("DOMContentLoaded", addHubBridge);
})();
