/* microquest preview player: the LMS side of a SCORM launch, on scorm-again.
 * For each launch it fetches the SCO's stored data, creates a new Scorm12API /
 * Scorm2004API loaded with it as window.API / window.API_1484_11, and only then
 * loads the SCO into the iframe. Every API call goes into window.lmsLog
 * ({sco, method, args, result, errorCode}); the data model panel follows the
 * API's SetValue / Commit / Initialize / Finish events. Plain JavaScript. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("player-config").textContent);
  var is12 = config.version === "1.2";
  var API_NAME = is12 ? "API" : "API_1484_11";
  var METHODS = is12
    ? ["LMSInitialize", "LMSFinish", "LMSGetValue", "LMSSetValue", "LMSCommit", "LMSGetLastError", "LMSGetErrorString", "LMSGetDiagnostic"]
    : ["Initialize", "Terminate", "GetValue", "SetValue", "Commit", "GetLastError", "GetErrorString", "GetDiagnostic"];
  var EVENTS = is12
    ? ["LMSInitialize", "LMSFinish", "LMSSetValue.cmi.*", "LMSCommit"]
    : ["Initialize", "Terminate", "SetValue.cmi.*", "Commit"];
  var COMMIT = is12 ? "LMSCommit" : "Commit";
  var FINISH = is12 ? "LMSFinish" : "Terminate";
  var MAX_SHOWN = 300;

  var frame = document.getElementById("sco-frame");
  var stageStatus = document.getElementById("stage-status");
  var commitStatus = document.getElementById("commit-status");
  var cmiBody = document.querySelector("#cmi-table tbody");
  var logList = document.getElementById("api-log");
  var buttons = Array.prototype.slice.call(document.querySelectorAll(".sco-button"));

  window.lmsLog = [];
  window.lmsLaunches = [];
  window.lmsMessages = [];

  var current = null;
  var queue = Promise.resolve();

  function enc(text) {
    return encodeURIComponent(text);
  }

  function apiUrl(kind, sco) {
    var learner = "learner_id=" + enc(config.learner.id) + "&learner_name=" + enc(config.learner.name);
    return "/api/" + kind + "/" + enc(config.package) + "/" + enc(sco) + "?" + learner;
  }

  function shown(value) {
    var text = String(value);
    return text.length > MAX_SHOWN ? text.slice(0, MAX_SHOWN) + " … (" + text.length + " znakov)" : text;
  }

  function forward(level, message) {
    window.lmsMessages.push({ level: Number(level) || level, message: message });
    switch (String(level)) {
      case "4": case "ERROR": console.error(message); break;
      case "3": case "WARN": console.warn(message); break;
      case "2": case "INFO": console.info(message); break;
      default: console.debug(message);
    }
  }

  /* The panels must never break the SCO's API call that updates them. */
  function safely(render) {
    return function () {
      try {
        render.apply(null, arguments);
      } catch (error) {
        console.error("microquest preview: " + error.message);
      }
    };
  }

  function renderCmi(api) {
    var flat = api.getFlattenedCMI();
    var rows = document.createDocumentFragment();
    Object.keys(flat).forEach(function (element) {
      var value = flat[element];
      if (value !== null && typeof value === "object") { return; }
      var row = document.createElement("tr");
      var name = document.createElement("th");
      name.scope = "row";
      name.textContent = element;
      var cell = document.createElement("td");
      cell.textContent = shown(value);
      row.appendChild(name);
      row.appendChild(cell);
      rows.appendChild(row);
    });
    cmiBody.replaceChildren(rows);
  }

  function renderCall(entry) {
    var item = document.createElement("li");
    var args = entry.args.map(function (arg) { return JSON.stringify(shown(arg)); }).join(", ");
    item.textContent = entry.method + "(" + args + ") → " + JSON.stringify(shown(entry.result)) +
      (entry.errorCode !== "0" ? " · napaka " + entry.errorCode : "");
    if (entry.errorCode !== "0") { item.className = "call-error"; }
    logList.appendChild(item);
  }

  function reportCommit(entry) {
    var ok = entry.result === "true";
    commitStatus.textContent = entry.method + ": " + (ok ? "shranjeno" : "shranjevanje ni uspelo, napaka " + entry.errorCode);
    commitStatus.className = "commit-status " + (ok ? "status-ok" : "status-failed");
  }

  var showCall = safely(function (entry) {
    renderCall(entry);
    if (entry.method === COMMIT || entry.method === FINISH) { reportCommit(entry); }
  });

  /* With ?scorm12standard=1 the LMS keeps suspend_data to the standard's 4096 characters, as
   * Moodle does with its "scorm12standard" setting on: a longer value is refused (error 405). */
  function refusal(name, args) {
    var limit = config.suspendLimit;
    return limit && /SetValue$/.test(name) && args[0] === "cmi.suspend_data" && String(args[1]).length > limit
      ? "405" : null;
  }

  function instrument(api, sco, log) {
    var refused = null;
    METHODS.forEach(function (name) {
      var original = api[name];
      api[name] = function () {
        var args = Array.prototype.slice.call(arguments);
        var asksError = /GetLastError$/.test(name);
        if (!asksError) { refused = refusal(name, args); }
        var result = refused && asksError ? refused : refused ? "false" : original.apply(api, args);
        var code = refused || String(api.lastErrorCode);
        var entry = { sco: sco, method: name, args: args.map(String), result: result, errorCode: code };
        log.push(entry);
        showCall(entry);
        return result;
      };
    });
    var showData = safely(function () { renderCmi(api); });
    EVENTS.forEach(function (event) { api.on(event, showData); });
  }

  function createApi(sco, cmi) {
    var Api = is12 ? window.Scorm12API : window.Scorm2004API;
    var commitUrl = apiUrl("commit", sco) + (config.failCommits ? "&fail_commits=1" : "");
    var api = new Api({
      lmsCommitUrl: commitUrl,
      dataCommitFormat: "json",
      autocommit: false,
      terminateCommitParam: "terminate",
      logLevel: 3,
      onLogMessage: forward
    });
    api.loadFromJSON(cmi);
    var log = [];
    instrument(api, sco, log);
    window.lmsLog = log;
    window.lmsLaunches.push({ sco: sco, log: log });
    renderCmi(api);
    return api;
  }

  function blankFrame() {
    return new Promise(function (resolve) {
      if (current === null) { resolve(); return; }
      frame.addEventListener("load", function loaded() {
        frame.removeEventListener("load", loaded);
        resolve();
      });
      frame.src = "about:blank";
    });
  }

  function start(sco) {
    var info = config.scos[sco];
    if (!info) { return Promise.reject(new Error("no SCO " + sco)); }
    stageStatus.textContent = "Nalaganje: " + info.title;
    return blankFrame().then(function () {
      return fetch(apiUrl("launch", sco), { cache: "no-store" });
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (data) {
      window[API_NAME] = createApi(sco, data.cmi);
      current = sco;
      logList.replaceChildren();
      buttons.forEach(function (button) {
        if (button.getAttribute("data-sco") === sco) {
          button.setAttribute("aria-current", "true");
        } else {
          button.removeAttribute("aria-current");
        }
      });
      frame.title = "Vsebina: " + info.title;
      frame.src = info.url;
      stageStatus.textContent = "Predvaja se: " + info.title;
    });
  }

  /* Launch a SCO (after the one before it has been unloaded); returns a promise. */
  function launch(sco) {
    queue = queue.then(function () { return start(sco); }).catch(function (error) {
      stageStatus.textContent = "Zagon ni uspel: " + error.message;
      console.error("microquest preview: cannot launch " + sco + ": " + error.message);
    });
    return queue;
  }

  buttons.forEach(function (button) {
    button.addEventListener("click", function () { launch(button.getAttribute("data-sco")); });
  });

  window.lmsPlayer = { config: config, launch: launch };
  if (config.autoLaunch) { launch(config.autoLaunch); }
})();
