/* microquest course index: a tick at each activity the learner has done, and the start
 * button turned into "continue" at the first activity not done.
 *
 * The index is no SCO and reads no LMS: it reads the browser's copy each activity page
 * keeps of its state (store.js's pageState, {v, t, values: {done: true, …}}), under the
 * key the page's runtime uses:
 *   - html site (no LMS):  "microquest:<course>:<activity>:"  (lms.js; no learner id outside an LMS)
 *   - xAPI launch:         "microquest:xapi-state:<registration>:<activity>"  (xapi.js; ticked once
 *                          the LRS confirmed the completed statement: values.confirmed.done)
 *   - single-SCO SCORM 2004: the launch page's course data (course.js's doneActivities())
 * The words shown are the template's (data-continue, data-review); this file only picks
 * among them. Plain JavaScript; storage that is missing or forbidden leaves the page as
 * rendered (start at the first activity).
 */
(function () {
  "use strict";

  var box = document.querySelector("[data-progress]");
  if (!box) { return; }
  var standard = document.body.getAttribute("data-standard") || "none";
  var course = box.getAttribute("data-course") || "";

  function registration() {
    try { return new URLSearchParams(window.location.search).get("registration") || ""; } catch (error) { return ""; }
  }

  function keyOf(activity) {
    return standard === "xapi"
      ? "microquest:xapi-state:" + registration() + ":" + activity
      : "microquest:" + course + ":" + activity + ":";
  }

  // Inside the single-SCO SCORM 2004 package the launch page holds the course's LMS data.
  var shell = null;
  try { shell = window.parent !== window ? window.parent.MicroquestCourse || null : null; } catch (error) { shell = null; }
  var doneInCourse = shell ? shell.doneActivities() : null;

  // xAPI: done once the LRS confirmed the activity's completed statement.
  function isDone(activity) {
    if (doneInCourse) { return doneInCourse.indexOf(activity) >= 0; }
    try {
      var state = JSON.parse(window.localStorage.getItem(keyOf(activity)));
      var values = state && state.values ? state.values : {};
      return !!values.done && (standard !== "xapi" || !!(values.confirmed && values.confirmed.done));
    } catch (error) {
      return false;
    }
  }

  var items = Array.prototype.slice.call(document.querySelectorAll("li[data-activity]"));
  if (!items.length) { return; }
  var done = 0;
  var next = null;
  items.forEach(function (item) {
    if (isDone(item.getAttribute("data-activity"))) {
      done += 1;
      item.classList.add("is-done");
      item.querySelector("[data-done-mark]").hidden = false;
    } else if (!next) {
      next = item;
    }
  });
  if (!done) { return; }

  var start = box.querySelector("[data-start]");
  var link = (next || items[0]).querySelector("a");
  start.setAttribute("href", link.getAttribute("href"));
  start.querySelector("[data-start-label]").textContent = start.getAttribute(next ? "data-continue" : "data-review");
  start.querySelector("[data-start-title]").textContent = link.textContent.replace(/^(Aktivnost [^:]+):/, "$1");
  box.querySelector("[data-done-count]").textContent = String(done);
  box.querySelector("[data-progress-summary]").hidden = false;
}());
