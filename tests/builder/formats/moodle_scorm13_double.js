/* A test double of Moodle's SCORM 2004 runtime (mod/scorm/datamodels/scorm_13.js), written for
 * these tests from its documented behaviour, not from Moodle's code:
 *
 * - the player page creates one API_1484_11 object and keeps it while the learner moves
 *   through the table of contents; switching SCOs only loads another page into the frame;
 * - Initialize sets Initialized, Terminate sets Terminated, and nothing resets Terminated:
 *   an Initialize after a Terminate answers "false" with error 104 (content instance
 *   terminated), a second Initialize before it 103 (already initialized);
 * - GetValue/SetValue/Commit before Initialize: 122/132/142; after Terminate: 123/133/143;
 *   GetValue of an element never set: "" with 403; suspend_data holds up to 64000 characters;
 * - Commit stores the data model on the server (here: `committed`), Terminate commits too.
 *
 * window.moodle: {api, log (every call), data (the SCO's data model), committed (what the
 * server holds, per SCO), launch(sco, url)}.
 */
(function () {
  "use strict";

  var initialized = false;
  var terminated = false;
  var lastError = "0";
  var current = "";
  var data = {};
  var committed = {};
  var log = [];

  function answer(method, args, value, code) {
    lastError = code || "0";
    log.push({ sco: current, method: method, args: args, result: value, errorCode: lastError });
    return value;
  }

  function count(prefix) {
    var indexes = {};
    Object.keys(data).forEach(function (element) {
      var match = new RegExp("^" + prefix.replace(/\./g, "\\.") + "(\\d+)\\.").exec(element);
      if (match) { indexes[match[1]] = true; }
    });
    return String(Object.keys(indexes).length);
  }

  function commit() {
    committed[current] = JSON.parse(JSON.stringify(data));
  }

  var api = {
    Initialize: function (parameter) {
      if (terminated) { return answer("Initialize", [parameter], "false", "104"); }
      if (initialized) { return answer("Initialize", [parameter], "false", "103"); }
      initialized = true;
      return answer("Initialize", [parameter], "true");
    },
    Terminate: function (parameter) {
      if (!initialized) { return answer("Terminate", [parameter], "false", "112"); }
      if (terminated) { return answer("Terminate", [parameter], "false", "113"); }
      commit();
      terminated = true;
      return answer("Terminate", [parameter], "true");
    },
    GetValue: function (element) {
      if (!initialized) { return answer("GetValue", [element], "", "122"); }
      if (terminated) { return answer("GetValue", [element], "", "123"); }
      if (element === "cmi.interactions._count") { return answer("GetValue", [element], count("cmi.interactions.")); }
      if (element === "cmi.objectives._count") { return answer("GetValue", [element], count("cmi.objectives.")); }
      if (element === "cmi.entry") { return answer("GetValue", [element], committed[current] ? "resume" : "ab-initio"); }
      if (element === "cmi.learner_id") { return answer("GetValue", [element], "moodle-user-2"); }
      if (!Object.prototype.hasOwnProperty.call(data, element)) { return answer("GetValue", [element], "", "403"); }
      return answer("GetValue", [element], data[element]);
    },
    SetValue: function (element, value) {
      if (!initialized) { return answer("SetValue", [element, value], "false", "132"); }
      if (terminated) { return answer("SetValue", [element, value], "false", "133"); }
      if (element === "cmi.suspend_data" && String(value).length > 64000) {
        return answer("SetValue", [element, value], "false", "406");
      }
      data[element] = String(value);
      return answer("SetValue", [element, value], "true");
    },
    Commit: function (parameter) {
      if (!initialized) { return answer("Commit", [parameter], "false", "142"); }
      if (terminated) { return answer("Commit", [parameter], "false", "143"); }
      commit();
      return answer("Commit", [parameter], "true");
    },
    GetLastError: function () { return lastError; },
    GetErrorString: function (code) { return "error " + code; },
    GetDiagnostic: function (code) { return "error " + code; }
  };

  window.API_1484_11 = api;
  window.moodle = {
    api: api,
    log: log,
    committed: committed,
    // Another SCO of the table of contents: the same API object, another page in the frame
    // (once the page before it has gone).
    launch: function (sco, url) {
      var frame = document.getElementById("scorm_object");
      return new Promise(function (resolve) {
        frame.addEventListener("load", function blank() {
          frame.removeEventListener("load", blank);
          current = sco;
          data = committed[sco] ? JSON.parse(JSON.stringify(committed[sco])) : {};
          frame.src = url;
          resolve();
        });
        frame.src = "about:blank";
      });
    }
  };
}());
