/* kg graph page: state the tests and the benchmark read, set before anything else runs. */
(function () {
  "use strict";
  var state = window.kgViz = { ready: false, readyMs: null, stabilizedMs: null, errors: [], violations: [] };
  document.addEventListener("securitypolicyviolation", function (e) {
    state.violations.push(e.violatedDirective + " " + e.blockedURI);
  });
  window.addEventListener("error", function (e) {
    state.errors.push(String(e.message));
  });
})();
