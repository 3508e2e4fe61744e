/* microquest LMS runtime: one store for the page, an adapter per standard.
 *
 * The page (microquest.js) keeps its state through MicroQuest.store: get(key),
 * set(key, value), recordAnswers(list), complete(), exit(). Here that store is
 * backed by the LMS — SCORM 1.2 `API` or SCORM 2004 `API_1484_11`, found up the
 * parent and opener chains — with a copy in the browser's localStorage, so an
 * answer survives a closed tab, a reload or an LMS that rejects a commit.
 * Without an LMS the page still works and says that progress stays in this browser.
 * Plain JavaScript, no request outside the package; the browser's copy, the page's
 * state and the notices are store.js's (window.MicroquestStore), shared with xapi.js.
 */
(function () {
  "use strict";

  var MicroQuest = window.MicroQuest;
  var Store = window.MicroquestStore;
  var body = document.body;
  var standard = body.getAttribute("data-standard") || "none";
  var courseId = body.getAttribute("data-course") || "";
  var activityId = body.getAttribute("data-activity") || "";

  /* ---- codec: LZW over UTF-8, written as URL-safe base64 ------------------------
   * suspend_data is 4096 characters in SCORM 1.2; canvas answers in Slovenian only
   * fit compressed. "J" + JSON or "Z" + length + ":" + LZW code stream, whichever
   * is shorter. */
  var DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  function widthFor(next) {
    var width = 9;
    while (next > (1 << width)) { width += 1; }
    return width;
  }

  function lzwEncode(bytes) {
    var out = [];
    var bits = 0;
    var bitCount = 0;
    function emit(code, width) {
      for (var i = width - 1; i >= 0; i -= 1) {
        bits = (bits << 1) | ((code >> i) & 1);
        bitCount += 1;
        if (bitCount === 6) { out.push(DIGITS.charAt(bits)); bits = 0; bitCount = 0; }
      }
    }
    if (!bytes.length) { return ""; }
    var dictionary = new Map();
    var next = 256;
    var current = bytes[0];
    for (var i = 1; i < bytes.length; i += 1) {
      var key = current * 256 + bytes[i];
      var known = dictionary.get(key);
      if (known !== undefined) {
        current = known;
      } else {
        emit(current, widthFor(next));
        dictionary.set(key, next);
        next += 1;
        current = bytes[i];
      }
    }
    emit(current, widthFor(next));
    if (bitCount) { out.push(DIGITS.charAt(bits << (6 - bitCount))); }
    return out.join("");
  }

  function lzwDecode(text, length) {
    var bytes = new Uint8Array(length);
    var written = 0;
    var entries = [];
    for (var b = 0; b < 256; b += 1) { entries.push([b]); }
    var bits = 0;
    var bitCount = 0;
    var position = 0;
    function read(width) {
      while (bitCount < width) {
        var value = DIGITS.indexOf(text.charAt(position));
        if (value < 0) { throw new Error("corrupt data"); }
        position += 1;
        bits = (bits * 64) + value;
        bitCount += 6;
      }
      bitCount -= width;
      var code = Math.floor(bits / Math.pow(2, bitCount));
      bits -= code * Math.pow(2, bitCount);
      return code;
    }
    var previous = entries[read(9)];
    bytes.set(previous, 0);
    written = previous.length;
    while (written < length) {
      var code = read(widthFor(entries.length + 1));
      var entry;
      if (code < entries.length) {
        entry = entries[code];
      } else if (code === entries.length) {
        entry = previous.concat([previous[0]]);
      } else {
        throw new Error("corrupt data");
      }
      bytes.set(entry, written);
      written += entry.length;
      entries.push(previous.concat([entry[0]]));
      previous = entry;
    }
    return bytes;
  }

  function encodeState(state) {
    var json = JSON.stringify(state);
    var bytes = new TextEncoder().encode(json);
    var packed = "Z" + bytes.length.toString(36) + ":" + lzwEncode(bytes);
    return packed.length < json.length + 1 ? packed : "J" + json;
  }

  function decodeState(text) {
    if (!text) { return null; }
    try {
      if (text.charAt(0) === "J") { return JSON.parse(text.slice(1)); }
      if (text.charAt(0) === "Z") {
        var colon = text.indexOf(":");
        var length = parseInt(text.slice(1, colon), 36);
        return JSON.parse(new TextDecoder().decode(lzwDecode(text.slice(colon + 1), length)));
      }
    } catch (error) {
      MicroQuest.lmsErrors.push("unreadable suspend_data: " + error.message);
    }
    return null;
  }

  MicroQuest.codec = { encode: encodeState, decode: decodeState };

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
      limits: { suspend: 4096, location: 255, response: 255 },
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
      limits: { suspend: 64000, location: 1000, response: 4000 },
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

  /* ---- the store -------------------------------------------------------------- */
  function createStore() {
    var adapter = ADAPTERS[standard] || null;
    var api = adapter ? findApi(adapter.apiName, adapter.maxTries) : null;
    var started = Date.now();
    var connected = false;
    var finished = false;
    var dirty = false;
    var lastLocation = null;
    var writeTimer = null;

    function call(name, element, value) {
      var result = adapter[name](api, element, value);
      var code = adapter.lastError(api);
      // SCORM 2004 answers 403 "data model element value not initialized" to a
      // GetValue of an element never set (suspend_data on a first launch): expected.
      if (code !== "0" && !(name === "get" && code === "403" && standard === "scorm2004")) {
        MicroQuest.lmsErrors.push(name + " " + (element || "") + ": error " + code);
      }
      return result;
    }

    var learner = "";
    if (api) {
      connected = String(call("initialize")) === "true";
      if (connected) { learner = String(call("get", adapter.learner) || ""); }
    }
    var local = Store.browserCopy("microquest:" + courseId + ":" + activityId + ":" + learner, true);
    var page = Store.pageState(local);
    var board = Store.noticeBoard(function () {
      return connected ? [] : [local.available ? "noLms" : "noStorage"];
    });

    function fitting(candidate, limit) {
      var encoded = encodeState(candidate);
      if (encoded.length <= limit) { return { text: encoded, complete: true }; }
      // Keep the answers in form order, as many as fit; the browser keeps them all.
      var reduced = { v: candidate.v, t: candidate.t, o: 1, values: {} };
      Object.keys(candidate.values).forEach(function (key) {
        if (key !== "answers") { reduced.values[key] = candidate.values[key]; }
      });
      var answers = candidate.values.answers || {};
      var kept = {};
      reduced.values.answers = kept;
      var text = encodeState(reduced);
      Object.keys(answers).forEach(function (name) {
        kept[name] = answers[name];
        var trial = encodeState(reduced);
        if (trial.length <= limit) { text = trial; } else { delete kept[name]; }
      });
      return { text: text, complete: false };
    }

    function writeToLms() {
      writeTimer = null;
      if (!connected || finished) { return; }
      var fit = fitting(page.state, adapter.limits.suspend);
      board.set("tooLong", !fit.complete);
      if (String(call("set", "cmi.suspend_data", fit.text)) === "true") { dirty = true; }
    }

    function commit() {
      if (!connected || finished) { return; }
      if (writeTimer) { clearTimeout(writeTimer); writeToLms(); }
      if (!dirty) { return; }
      var ok = String(call("commit")) === "true";
      board.set("commitFailed", !ok);
      if (ok) { dirty = false; }
    }

    function setLms(element, value) {
      if (connected && !finished && String(call("set", element, value)) === "true") { dirty = true; }
    }

    function finish() {
      if (!connected || finished) { return; }
      if (writeTimer) { clearTimeout(writeTimer); writeToLms(); }
      setLms(adapter.sessionTime, adapter.timespan(Date.now() - started));
      // suspend: the next launch resumes this attempt with its answers.
      setLms(adapter.exit, "suspend");
      commit();
      call("finish");
      finished = true;
    }

    // Resume: the newer of the LMS's copy and the browser's copy. A first attempt
    // (entry ab-initio) has no suspend_data: SCORM 2004 would answer 403 to the read.
    var entry = connected ? String(call("get", adapter.entry)) : "";
    var fromLms = connected && entry !== "ab-initio"
      ? decodeState(String(call("get", "cmi.suspend_data") || "")) : null;
    var fromBrowser = local.read();
    // The LMS's copy wins a tie unless it holds only the answers that fitted.
    var browserNewer = fromBrowser && (!fromLms || fromBrowser.t > fromLms.t || (fromLms.o && fromBrowser.t >= fromLms.t));
    if (fromLms && !browserNewer) { page.state = fromLms; }
    if (browserNewer) { page.state = fromBrowser; }
    if (!page.state.values) { page.state = { v: 1, t: 0, values: {} }; }
    delete page.state.o;

    var resumeLocation = "";
    if (connected) {
      var status = String(call("get", adapter.status) || "");
      if (page.state.values.done) {
        if (status !== "completed" && status !== "passed") { setLms(adapter.status, "completed"); }
      } else if (adapter.notStarted(status)) {
        // Never leave the status to the LMS: Moodle turns "not attempted" into "completed" at LMSFinish.
        setLms(adapter.status, "incomplete");
      }
      if (fromBrowser && fromBrowser === page.state) { writeToLms(); }
      commit();
    }

    // The bookmark travels in the state too: reading an unset cmi.location is an error in SCORM 2004.
    resumeLocation = page.state.values.position || "";

    var store = {
      connected: connected,
      persistent: connected || local.available,
      resumeLocation: resumeLocation,
      get: page.get,
      set: function (key, value) {
        var kept = page.set(key, value);
        if (connected && !writeTimer) { writeTimer = setTimeout(writeToLms, 400); }
        return kept || connected;
      },
      recordAnswers: function (answers) {
        if (!connected) { return; }
        var now = adapter.time(new Date());
        answers.forEach(function (answer) {
          var n = String(call("get", "cmi.interactions._count") || "0");
          var prefix = "cmi.interactions." + n + ".";
          // ids: printable ASCII without spaces; responses within the standard's limit.
          var id = (activityId + "-" + answer.id).replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 255);
          var response = answer.value.length > adapter.limits.response
            ? answer.value.slice(0, adapter.limits.response - 1) + "…" : answer.value;
          setLms(prefix + "id", id);
          setLms(prefix + "type", adapter.interactionType);
          setLms(prefix + adapter.timeField, now);
          setLms(prefix + adapter.responseField, response);
          setLms(prefix + "result", "neutral");
        });
        commit();
      },
      complete: function () {
        setLms(adapter ? adapter.status : "", "completed");
        commit();
      },
      bookmark: function (location) {
        if (location === lastLocation) { return; }
        lastLocation = location;
        store.set("position", location);
        if (connected && location.length <= adapter.limits.location) { setLms(adapter.location, location); }
      },
      commit: commit,
      exit: finish,
      notices: board.list,
      onNotice: board.listen
    };

    if (connected) {
      // Browsers block synchronous requests and `unload` when a page inside Moodle's
      // iframe goes away: commit when hidden, periodically, and finish on pagehide.
      Store.whileOpen({ hidden: commit, every: commit, leave: finish });
    }
    return store;
  }

  MicroQuest.store = createStore();
}());
