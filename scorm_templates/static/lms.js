/* microquest LMS runtime: the SCORM side of MicroQuest.store.
 *
 * The page (microquest.js) keeps its state through MicroQuest.store: get(key),
 * set(key, value), room(key, value), submit(list), complete(), confirmed(key), exit().
 * Here that store is backed by the LMS — SCORM 1.2 `API` or SCORM 2004 `API_1484_11`,
 * found up the parent and opener chains — with a copy in the browser's localStorage, so
 * an answer survives a closed tab, a reload or an LMS that rejects a commit.
 *
 * One LMS session (connect(): one Initialize, one Terminate) serves either one page (a SCO
 * per activity: the page's state is the SCO's suspend_data) or, in the single-SCO SCORM
 * 2004 package, the whole course: course.js, in the package's launch page, holds the
 * session and each activity page, in its frame, gets a channel onto its part of the
 * course's suspend_data (courseChannels). Either way the store is the same.
 *
 * Nothing is claimed before the LMS has it: confirmed(key) is true once a commit the LMS
 * accepted holds the value and it reads back. Without an LMS the page still works and
 * says that progress stays in this browser. Plain JavaScript, no request outside the
 * package; the browser's copy, the page's state and the notices are store.js's
 * (window.MicroquestStore), the suspend_data codec is codec.js's.
 */
(function () {
  "use strict";

  var MicroQuest = window.MicroQuest;
  var Store = window.MicroquestStore;
  var Codec = window.MicroquestCodec;
  var body = document.body;
  var standard = body.getAttribute("data-standard") || "none";
  var courseId = body.getAttribute("data-course") || "";
  var activityId = body.getAttribute("data-activity") || "";
  var RESERVE = 120;

  /* ---- API discovery (ADL/Rustici algorithm: parents, then the opener chain) ---- */
  function findIn(start, name, maxTries) {
    var win = start;
    for (var tries = 0; win && tries <= maxTries; tries += 1) {
      try {
        if (win[name]) { return win[name]; }
      } catch (error) { /* a cross-origin frame: keep climbing */ }
      if (!win.parent || win.parent === win) { break; }
      win = win.parent;
    }
    return null;
  }

  function findApi(name, maxTries) {
    var api = findIn(window, name, maxTries);
    var opener = null;
    try { opener = window.top && window.top.opener; } catch (error) { opener = null; }
    return api || (opener ? findIn(opener, name, maxTries) : null);
  }

  /* ---- adapters: the same verbs over each standard's API and data model ---------- */
  function pad(number, width) {
    var text = String(number);
    while (text.length < width) { text = "0" + text; }
    return text;
  }

  var ADAPTERS = {
    scorm12: {
      apiName: "API",
      maxTries: 7,
      // suspend_data: the standard's 4096, or 64000 where the LMS keeps more (Moodle with
      // scorm12standard off, scorm-again): connect() tries the larger first.
      limits: { suspend: [64000, 4096], location: 255, response: 255 },
      status: "cmi.core.lesson_status",
      location: "cmi.core.lesson_location",
      entry: "cmi.core.entry",
      exit: "cmi.core.exit",
      sessionTime: "cmi.core.session_time",
      learner: "cmi.core.student_id",
      responseField: "student_response",
      interactionType: "fill-in",
      initialize: function (api) { return api.LMSInitialize(""); },
      finish: function (api) { return api.LMSFinish(""); },
      get: function (api, element) { return api.LMSGetValue(element); },
      set: function (api, element, value) { return api.LMSSetValue(element, value); },
      commit: function (api) { return api.LMSCommit(""); },
      lastError: function (api) { return String(api.LMSGetLastError()); },
      notStarted: function (status) { return status === "not attempted" || status === ""; },
      // CMITimespan HHHH:MM:SS.SS; Moodle wants 2 to 4 hour digits.
      timespan: function (ms) {
        var seconds = Math.floor(ms / 1000);
        var hours = Math.min(9999, Math.floor(seconds / 3600));
        return pad(hours, 2) + ":" + pad(Math.floor(seconds / 60) % 60, 2) + ":" + pad(seconds % 60, 2);
      },
      time: function (date) {
        return pad(date.getHours(), 2) + ":" + pad(date.getMinutes(), 2) + ":" + pad(date.getSeconds(), 2);
      },
      timeField: "time"
    },
    scorm2004: {
      apiName: "API_1484_11",
      maxTries: 500,
      // 4th Edition: 64000; 2nd and 3rd Edition LMSs keep 4000.
      limits: { suspend: [64000, 4000], location: 1000, response: 4000 },
      status: "cmi.completion_status",
      location: "cmi.location",
      entry: "cmi.entry",
      exit: "cmi.exit",
      sessionTime: "cmi.session_time",
      learner: "cmi.learner_id",
      responseField: "learner_response",
      interactionType: "long-fill-in",
      initialize: function (api) { return api.Initialize(""); },
      finish: function (api) { return api.Terminate(""); },
      get: function (api, element) { return api.GetValue(element); },
      set: function (api, element, value) { return api.SetValue(element, value); },
      commit: function (api) { return api.Commit(""); },
      lastError: function (api) { return String(api.GetLastError()); },
      notStarted: function (status) { return status === "not attempted" || status === "unknown" || status === ""; },
      timespan: Store.isoDuration,
      time: function (date) {
        return date.getFullYear() + "-" + pad(date.getMonth() + 1, 2) + "-" + pad(date.getDate(), 2) + "T" +
          pad(date.getHours(), 2) + ":" + pad(date.getMinutes(), 2) + ":" + pad(date.getSeconds(), 2);
      },
      timeField: "timestamp"
    }
  };

  /* ---- the LMS session: one Initialize, one Terminate ------------------------- */
  function connect() {
    var adapter = ADAPTERS[standard] || null;
    var api = adapter ? findApi(adapter.apiName, adapter.maxTries) : null;
    var started = Date.now();
    var dirty = false;
    var session = {
      adapter: adapter, connected: false, refused: "", finished: false, learner: "", entry: "",
      limit: 0, extended: false, text: "", written: "", confirmedText: null
    };
    if (!api) { return session; }

    // quiet: an error the caller expects (a probe the LMS may refuse) is no error of the page.
    function call(name, element, value, quiet) {
      var result = adapter[name](api, element, value);
      var code = adapter.lastError(api);
      // SCORM 2004 answers 403 "data model element value not initialized" to a
      // GetValue of an element never set (suspend_data on a first launch): expected.
      if (code !== "0" && !quiet && !(name === "get" && code === "403" && standard === "scorm2004")) {
        MicroQuest.lmsErrors.push(name + " " + (element || "") + ": error " + code);
      }
      return result;
    }

    session.get = function (element) { return String(call("get", element) || ""); };
    session.set = function (element, value, quiet) {
      if (!session.connected || session.finished) { return false; }
      var ok = String(call("set", element, value, quiet)) === "true";
      if (ok) { dirty = true; }
      return ok;
    };
    session.saveText = function (text) {
      if (text === session.written) { return true; }
      var ok = session.set("cmi.suspend_data", text);
      if (ok) { session.written = text; }
      return ok;
    };
    // Accepted and read back: only then is what was written the LMS's.
    session.commit = function () {
      if (!session.connected || session.finished) { return false; }
      if (!dirty) { return true; }
      var ok = String(call("commit")) === "true" && session.get("cmi.suspend_data") === session.written;
      if (ok) {
        dirty = false;
        session.confirmedText = session.written;
      }
      return ok;
    };
    session.finish = function () {
      if (!session.connected || session.finished) { return false; }
      session.set(adapter.sessionTime, adapter.timespan(Date.now() - started));
      // suspend: the next launch resumes this attempt with its answers.
      session.set(adapter.exit, "suspend");
      var ok = session.commit();
      ok = String(call("finish")) === "true" && ok;
      session.finished = true;
      return ok;
    };
    // Never leave the status to the LMS: Moodle turns "not attempted" into "completed" at LMSFinish.
    session.begin = function () {
      if (adapter.notStarted(session.get(adapter.status))) { session.set(adapter.status, "incomplete"); }
    };

    // Moodle's SCORM 2004 player keeps one API for all SCOs of its page and answers 104 ("content
    // instance terminated") to every Initialize after the first Terminate: the page must say so.
    if (String(call("initialize", null, null, true)) !== "true") {
      session.refused = adapter.lastError(api);
      MicroQuest.lmsErrors.push("initialize: error " + session.refused);
      return session;
    }
    session.connected = true;
    session.learner = session.get(adapter.learner);
    session.entry = session.get(adapter.entry);
    // A first attempt has no suspend_data (SCORM 2004 would answer 403 to the read); but a session
    // that ended without Terminate is "ab-initio" again in some LMSs and did leave suspend_data.
    var first = session.entry === "ab-initio" && adapter.notStarted(session.get(adapter.status));
    session.text = first ? "" : session.get("cmi.suspend_data");
    // How much suspend_data the LMS keeps: write the larger size, read it back, put back what was there.
    var sizes = adapter.limits.suspend;
    var probe = new Array(sizes[0] + 1).join("x");
    session.extended = session.set("cmi.suspend_data", probe, true) && session.get("cmi.suspend_data") === probe;
    session.limit = session.extended ? sizes[0] : sizes[sizes.length - 1];
    if (session.extended) { session.set("cmi.suspend_data", session.text); }
    session.written = session.text;
    session.confirmedText = session.text;
    return session;
  }

  /* ---- what fits: the answers in form order, as many as fit; the browser keeps them all ---- */
  function fitting(state, limit, wrap) {
    var text = Codec.encode(wrap(state));
    if (text.length <= limit) { return { text: text, dropped: [] }; }
    var reduced = { v: state.v, t: state.t, o: 1, values: {} };
    Object.keys(state.values).forEach(function (key) {
      if (key !== "answers") { reduced.values[key] = state.values[key]; }
    });
    var answers = state.values.answers || {};
    var kept = {};
    var dropped = [];
    reduced.values.answers = kept;
    text = Codec.encode(wrap(reduced));
    Object.keys(answers).forEach(function (name) {
      kept[name] = answers[name];
      var trial = Codec.encode(wrap(reduced));
      if (trial.length <= limit) { text = trial; } else { delete kept[name]; dropped.push(name); }
    });
    return { text: text, dropped: dropped };
  }

  // A decoded copy of the text the LMS confirmed last, decoded once per text.
  function confirmedReader(session, pick) {
    var seen = null;
    var value = null;
    return function () {
      if (session.confirmedText !== seen) {
        seen = session.confirmedText;
        value = seen ? pick(Codec.decode(seen)) : null;
      }
      return value;
    };
  }

  function recordInteractions(session, answers) {
    var adapter = session.adapter;
    var now = adapter.time(new Date());
    answers.forEach(function (answer) {
      var prefix = "cmi.interactions." + (session.get("cmi.interactions._count") || "0") + ".";
      // ids: printable ASCII without spaces; responses within the standard's limit.
      var id = (activityId + "-" + answer.id).replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 255);
      var response = answer.value.length > adapter.limits.response
        ? answer.value.slice(0, adapter.limits.response - 1) + "…" : answer.value;
      session.set(prefix + "id", id);
      session.set(prefix + "type", adapter.interactionType);
      session.set(prefix + adapter.timeField, now);
      session.set(prefix + adapter.responseField, response);
      session.set(prefix + "result", "neutral");
    });
  }

  function isCompleted(status) { return status === "completed" || status === "passed"; }

  // A SCO per activity: the page's state is the SCO's suspend_data.
  function scoChannel(session) {
    var adapter = session.adapter;
    var same = function (state) { return state; };
    return {
      session: session,
      initial: Codec.decode(session.text),
      room: function (state) { return session.limit - Codec.encode(state).length; },
      write: function (state) {
        var fit = fitting(state, session.limit, same);
        return session.saveText(fit.text) ? fit.dropped : Object.keys(state.values.answers || {});
      },
      confirmed: confirmedReader(session, same),
      begin: function (done) {
        if (done && !isCompleted(session.get(adapter.status))) { session.set(adapter.status, "completed"); }
        session.begin();
      },
      complete: function () { session.set(adapter.status, "completed"); },
      completed: function () { return isCompleted(session.get(adapter.status)); },
      bookmark: function (location) {
        if (location.length <= adapter.limits.location) { session.set(adapter.location, location); }
      },
      leave: session.finish
    };
  }

  /* ---- the store -------------------------------------------------------------- */
  function createStore(channel) {
    var session = channel.session;
    var connected = session.connected && !session.finished;
    var key = "microquest:" + courseId + ":" + activityId + ":";
    var local = Store.browserCopy(key + session.learner, true);
    // What was kept while the LMS refused its session goes to the next session that connects.
    var waiting = session.learner ? Store.browserCopy(key, false) : null;
    var page = Store.pageState(local);
    var dropped = [];
    var completedInLms = false;
    var writeTimer = null;
    var changes = Store.listeners();
    var board = Store.noticeBoard(function () {
      if (connected || session.finished) { return []; }
      return [session.refused ? "initRefused" : local.available ? "noLms" : "noStorage"];
    });

    // Resume: the newer of the LMS's copy and the browser's copy.
    var fromLms = connected ? channel.initial : null;
    var fromBrowser = local.read();
    var fromWaiting = waiting ? waiting.read() : null;
    if (fromWaiting && fromWaiting.w && (!fromBrowser || fromWaiting.t > fromBrowser.t)) {
      fromBrowser = fromWaiting;
    } else {
      fromWaiting = null;
    }
    // The LMS's copy wins a tie unless it holds only the answers that fitted.
    var browserNewer = fromBrowser && (!fromLms || fromBrowser.t > fromLms.t || (fromLms.o && fromBrowser.t >= fromLms.t));
    if (fromLms && !browserNewer) { page.state = fromLms; }
    if (browserNewer) { page.state = fromBrowser; }
    if (!page.state.values) { page.state = { v: 1, t: 0, values: {} }; }
    delete page.state.o;
    delete page.state.w;
    if (session.refused) { page.state.w = 1; }

    function writeToLms() {
      writeTimer = null;
      if (!connected || session.finished) { return; }
      var before = dropped.join(" ");
      dropped = channel.write(page.state);
      board.set("tooLong", dropped.length > 0);
      if (dropped.join(" ") !== before) { changes.tell(); }
    }

    function commit() {
      if (!connected || session.finished) { return false; }
      if (writeTimer) { clearTimeout(writeTimer); writeToLms(); }
      var ok = session.commit();
      board.set("commitFailed", !ok);
      if (ok && fromWaiting) {
        waiting.write(null);
        fromWaiting = null;
      }
      changes.tell();
      return ok;
    }

    if (connected) {
      channel.begin(!!page.state.values.done);
      if (browserNewer) { writeToLms(); }
      commit();
    }

    var store = {
      connected: connected,
      persistent: connected || local.available,
      resumeLocation: page.state.values.position || "",
      limit: connected ? session.limit : 0,
      extended: session.extended,
      get: page.get,
      set: function (name, value) {
        var kept = page.set(name, value);
        if (connected && !writeTimer) { writeTimer = setTimeout(writeToLms, 400); }
        return kept || connected;
      },
      // What the LMS would still have room for (characters of suspend_data) with this value,
      // keeping RESERVE for what the page adds on its own (bookmark, done, submitted); Infinity without a limit.
      room: function (name, value) {
        if (!connected) { return Infinity; }
        var values = {};
        Object.keys(page.state.values).forEach(function (other) { values[other] = page.state.values[other]; });
        values[name] = value;
        return channel.room({ v: page.state.v, t: page.state.t, values: values }) - RESERVE;
      },
      // The answers the LMS cannot hold: only in the browser.
      unsaved: function () { return dropped.slice(); },
      // A canvas submitted: answers, submitted and done in one commit, each answer an interaction.
      submit: function (list) {
        page.set("submitted", true);
        store.complete(list);
      },
      complete: function (list) {
        page.set("done", true);
        if (connected) {
          writeToLms();
          if (list) { recordInteractions(session, list); }
          channel.complete();
          commit();
        }
        changes.tell();
      },
      // Whether the LMS holds it: committed, read back (and for done, the status the LMS reports).
      confirmed: function (name) {
        if (!page.get(name)) { return false; }
        if (!session.connected) { return !session.refused && local.available; }
        var held = channel.confirmed();
        if (!held || !held.values || !held.values[name]) { return false; }
        if (name === "submitted") { return dropped.length === 0; }
        if (name !== "done") { return true; }
        // After Terminate the LMS answers nothing more: what it held at the last commit stands.
        if (!session.finished) { completedInLms = channel.completed(); }
        return completedInLms || !connected;
      },
      bookmark: function (location) {
        if (location === page.get("position")) { return; }
        store.set("position", location);
        if (connected && !session.finished) { channel.bookmark(location); }
      },
      commit: commit,
      // "Shrani in končaj": the session ends; whether the LMS has everything.
      exit: function () {
        if (!connected || session.finished) { return false; }
        if (writeTimer) { clearTimeout(writeTimer); writeToLms(); }
        var ok = session.finish() && dropped.length === 0;
        changes.tell();
        return ok;
      },
      finished: function () { return session.finished; },
      onChange: changes.add,
      notices: board.list,
      onNotice: board.listen
    };

    if (connected) {
      // Browsers block synchronous requests and `unload` when a page inside Moodle's
      // iframe goes away: commit when hidden, periodically, and leave on pagehide.
      Store.whileOpen({
        hidden: commit,
        every: commit,
        leave: function () {
          if (writeTimer) { clearTimeout(writeTimer); writeToLms(); }
          channel.leave();
        }
      });
    }
    return store;
  }

  // The launch page of the single-SCO package, if this page is inside it.
  function courseShell() {
    try {
      return window.parent !== window && window.parent.MicroquestCourse ? window.parent.MicroquestCourse : null;
    } catch (error) {
      return null;
    }
  }

  window.MicroquestLms = { connect: connect, fitting: fitting, confirmedReader: confirmedReader };
  if (activityId) {
    var shell = courseShell();
    MicroQuest.store = createStore(shell ? shell.channel(activityId) : scoChannel(connect()));
  }
}());
