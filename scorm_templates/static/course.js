/* microquest course launch page: the single SCO of the SCORM 2004 package.
 *
 * Moodle's SCORM 2004 player keeps one API object for its page and never lets a second SCO
 * initialise after the first has terminated, so the course is one SCO: this page holds the
 * LMS session (lms.js's connect(): one Initialize, one Terminate, 64000 characters of
 * suspend_data for every answer of the course) and shows the course's own pages, with
 * their own navigation, in a frame. Each activity page finds window.MicroquestCourse here
 * and keeps its state through a channel onto its part of the course's suspend_data; the
 * course index reads which activities are done. The page to resume is kept too.
 * A plain script after store.js, codec.js and lms.js.
 */
(function () {
  "use strict";

  var Store = window.MicroquestStore;
  var Lms = window.MicroquestLms;
  var Codec = window.MicroquestCodec;
  var body = document.body;
  var activities = (body.getAttribute("data-activities") || "").split(" ").filter(Boolean);
  var frame = document.getElementById("course-frame");
  var PAGE = /^(index\.html|activities\/[a-z][a-z0-9-]*\.html)$/;

  /* ---- the course's suspend_data: {v: 2, pages: {activity id: page state}, at: the page to resume}
   * Each activity done is an objective (cmi.objectives.n, id = the activity id); the SCO is
   * completed when every activity is, with progress_measure in between. */
  function courseChannels(session, scheduleCommit) {
    var decoded = Codec.decode(session.text);
    var course = decoded && decoded.pages ? decoded : { v: 2, pages: {} };
    function withPage(id, state) {
      var pages = {};
      Object.keys(course.pages).forEach(function (key) { pages[key] = course.pages[key]; });
      if (id) { pages[id] = state; }
      return { v: 2, at: course.at, pages: pages };
    }
    function objective(id) {
      var count = parseInt(session.get("cmi.objectives._count") || "0", 10);
      for (var n = 0; n < count; n += 1) {
        if (session.get("cmi.objectives." + n + ".id") === id) { return "cmi.objectives." + n + "."; }
      }
      session.set("cmi.objectives." + count + ".id", id);
      return "cmi.objectives." + count + ".";
    }
    var heldCourse = Lms.confirmedReader(session, function (held) { return held; });
    function done(id) {
      var page = course.pages[id];
      return !!(page && page.values && page.values.done);
    }
    function progress() {
      var count = activities.filter(done).length;
      session.set("cmi.progress_measure", String(Math.round(count / activities.length * 100) / 100));
      session.set(session.adapter.status, count === activities.length ? "completed" : "incomplete");
    }
    return {
      at: function () { return course.at || ""; },
      // The page in the frame: where the next launch resumes.
      visit: function (path) {
        if (course.at === path || !session.connected || session.finished) { return; }
        course.at = path;
        var text = Codec.encode(withPage(null, null));
        if (text.length <= session.limit) { session.saveText(text); }
      },
      // Done as the LMS holds it: in the last commit it confirmed.
      doneActivities: function () {
        var held = heldCourse();
        return activities.filter(function (id) {
          var page = held && held.pages ? held.pages[id] : null;
          return !!(page && page.values && page.values.done);
        });
      },
      channel: function (id) {
        return {
          session: session,
          initial: course.pages[id] || null,
          room: function (state) { return session.limit - Codec.encode(withPage(id, state)).length; },
          write: function (state) {
            var fit = Lms.fitting(state, session.limit, function (page) { return withPage(id, page); });
            if (!session.saveText(fit.text)) { return Object.keys(state.values.answers || {}); }
            course = Codec.decode(fit.text);
            return fit.dropped;
          },
          confirmed: Lms.confirmedReader(session, function (held) { return held && held.pages ? held.pages[id] : null; }),
          begin: function (isDone) {
            if (isDone && !this.completed()) { this.complete(); }
          },
          complete: function () {
            session.set(objective(id) + "completion_status", "completed");
            progress();
          },
          completed: function () { return session.get(objective(id) + "completion_status") === "completed"; },
          bookmark: function () { return null; },
          // Leaving a page is not leaving the SCO: this page commits once the activity page has gone.
          leave: scheduleCommit
        };
      }
    };
  }

  var session = Lms.connect();
  var pending = null;
  function scheduleCommit() {
    if (!pending) { pending = setTimeout(function () { pending = null; session.commit(); }, 0); }
  }
  var course = courseChannels(session, scheduleCommit);
  window.MicroquestCourse = course;
  if (session.connected) {
    session.begin();
    session.commit();
  }

  function framePath() {
    try {
      var base = new URL(".", window.location.href).href;
      var href = frame.contentWindow.location.href.split(/[?#]/)[0];
      return href.indexOf(base) === 0 ? href.slice(base.length) : "";
    } catch (error) {
      return "";
    }
  }

  frame.addEventListener("load", function () {
    var path = framePath();
    if (PAGE.test(path)) { course.visit(path); }
  });
  frame.src = PAGE.test(course.at()) ? course.at() : "index.html";

  Store.whileOpen({ hidden: session.commit, every: session.commit, leave: session.finish });
}());
