/* microquest xAPI runtime: the store of xAPI (tincan.xml) and cmi5 packages.
 *
 * The LRS endpoint, credentials, actor and registration come only from the launch
 * (Rustici launch parameters; cmi5: the fetch URL gives the token) and live only in
 * this page's memory (cmi5: the token also in sessionStorage, so a reload of the
 * same launch does not spend the fetch URL twice). Statements get their id when
 * they are created, are stored in a persistent queue (localStorage) before they are
 * sent, are retried with backoff and leave the queue only when the LRS confirms
 * them (a 409 for a statement it already holds counts as confirmed): a dropped
 * network, a reload or a closed tab sends each statement exactly once.
 * Resume state goes to the State API, with a copy in the browser, which is also the
 * fallback when the LRS has no State API. The browser's copy, the page's state and the
 * notices are store.js's (window.MicroquestStore), shared with lms.js; the statements
 * are made by statements.js (window.MicroquestStatements) from the page's plan.
 */
(function () {
  "use strict";

  var MicroQuest = window.MicroQuest;
  var Store = window.MicroquestStore;
  var Statements = window.MicroquestStatements;  // absent on a page without a plan
  var body = document.body;
  var standard = body.getAttribute("data-standard");
  var activityId = body.getAttribute("data-activity") || "";
  var planElement = document.getElementById("mq-statements");
  var plan = planElement ? JSON.parse(planElement.textContent) : null;
  var XAPI_VERSION = "1.0.3";
  var QUEUE_KEY = "microquest:xapi-queue";
  var MAX_DELAY = 60000;
  var PARALLEL = 4;

  /* ---- launch ------------------------------------------------------------------ */
  function launchParameters() {
    var query = new URLSearchParams(window.location.search);
    var get = function (name) { return query.get(name); };
    if (!get("endpoint") || !get("actor")) { return null; }
    var actor;
    try { actor = JSON.parse(get("actor")); } catch (error) { return null; }
    // Rustici launch: actor.name and actor.mbox may arrive as one-element arrays.
    ["name", "mbox", "mbox_sha1sum", "openid"].forEach(function (key) {
      if (Array.isArray(actor[key])) { actor[key] = actor[key][0]; }
    });
    if (Array.isArray(actor.account)) { actor.account = actor.account[0]; }
    if (actor.account && actor.account.accountName) {
      actor.account = { homePage: actor.account.homePage || actor.account.accountServiceHomePage, name: actor.account.name || actor.account.accountName };
    }
    var endpoint = get("endpoint");
    return {
      endpoint: endpoint.charAt(endpoint.length - 1) === "/" ? endpoint : endpoint + "/",
      auth: get("auth"),
      fetch: get("fetch"),
      actor: actor,
      registration: get("registration"),
      activityId: get("activityId") || get("activity_id")
    };
  }

  /* ---- the persistent statement queue ---------------------------------------------- */
  function readQueue() { return Store.readJson(QUEUE_KEY) || []; }

  function writeQueue(queue) { return Store.writeJson(QUEUE_KEY, queue); }

  function createQueue(connection, notify) {
    var inFlight = {};
    var timer = null;
    var delay = 1000;

    function send(entry, keepalive) {
      // PUT with the statement's own id: the LRS stores it once, however often it arrives.
      return window.fetch(connection.endpoint + "statements?statementId=" + encodeURIComponent(entry.statement.id), {
        method: "PUT",
        headers: connection.headers(),
        body: JSON.stringify(entry.statement),
        keepalive: !!keepalive
      }).then(function (response) {
        // 204: stored. 409: the LRS already holds a statement with this id — ours, sent before.
        if (response.status === 204 || response.status === 200 || response.status === 409) { return true; }
        throw new Error("LRS answered " + response.status);
      });
    }

    function schedule(wait) {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(drain, wait);
    }

    // Up to PARALLEL statements in flight: each carries its own id, so their order of
    // arrival does not matter (statements are ordered by timestamp) and none goes twice.
    function drain() {
      timer = null;
      if (!connection.ready()) { return; }
      var queue = readQueue().filter(function (entry) {
        return entry.endpoint === connection.endpoint && !inFlight[entry.statement.id];
      });
      if (!queue.length) {
        if (!Object.keys(inFlight).length) { notify("offline", false); }
        return;
      }
      queue.slice(0, PARALLEL - Object.keys(inFlight).length).forEach(function (entry) {
        inFlight[entry.statement.id] = true;
        send(entry, false).then(function () {
          forget(entry);
          delete inFlight[entry.statement.id];
          delay = 1000;
          notify("offline", false);
          drain();
        }, function (error) {
          delete inFlight[entry.statement.id];
          MicroQuest.lmsErrors.push("statement " + entry.statement.id + ": " + error.message);
          notify("offline", true);
          delay = Math.min(MAX_DELAY, delay * 2);
          schedule(delay);
        });
      });
    }

    function forget(entry) {
      writeQueue(readQueue().filter(function (other) { return other.statement.id !== entry.statement.id; }));
    }

    // The page is going away: send everything at once with keepalive (64 KB in flight at
    // most); what is not confirmed stays queued and goes again from the next page.
    function flush() {
      if (!connection.ready()) { return; }
      var budget = 60000;
      readQueue().forEach(function (entry) {
        if (entry.endpoint !== connection.endpoint || entry.size > budget || inFlight[entry.statement.id]) { return; }
        budget -= entry.size;
        send(entry, true).then(function () { forget(entry); }, function () { return null; });
      });
    }

    window.addEventListener("online", function () { delay = 1000; schedule(0); });
    return {
      add: function (statement) {
        var queue = readQueue();
        var text = JSON.stringify(statement);
        queue.push({ endpoint: connection.endpoint, statement: statement, size: text.length });
        writeQueue(queue);  // stored before it is sent
        schedule(0);
      },
      drain: drain,
      flush: flush,
      pending: function () {
        return readQueue().filter(function (entry) { return entry.endpoint === connection.endpoint; }).length;
      }
    };
  }

  /* ---- connection: credentials from the launch ----------------------------------- */
  function createConnection(launch) {
    var authorization = launch && launch.auth ? launch.auth : null;
    var failed = false;
    var connection = {
      endpoint: launch ? launch.endpoint : "",
      ready: function () { return !!authorization; },
      failed: function () { return failed; },
      headers: function (extra) {
        var headers = { "X-Experience-API-Version": XAPI_VERSION, "Content-Type": "application/json" };
        if (authorization) { headers.Authorization = authorization; }
        Object.keys(extra || {}).forEach(function (key) { headers[key] = extra[key]; });
        return headers;
      },
      // cmi5 §8.2: POST to the fetch URL, once per launch, for the session's token.
      start: function () {
        if (!launch || !launch.fetch) { return Promise.resolve(); }
        var key = "microquest:cmi5-token:" + launch.fetch;
        var kept = window.sessionStorage.getItem(key);
        if (kept) { authorization = "Basic " + kept; return Promise.resolve(); }
        return window.fetch(launch.fetch, { method: "POST" }).then(function (response) {
          return response.json();
        }).then(function (answer) {
          if (!answer["auth-token"]) { throw new Error("fetch URL: " + (answer["error-text"] || "no token")); }
          window.sessionStorage.setItem(key, answer["auth-token"]);
          authorization = "Basic " + answer["auth-token"];
        }).catch(function (error) {
          failed = true;
          MicroQuest.lmsErrors.push(error.message);
        });
      }
    };
    return connection;
  }

  /* ---- State API, with the browser's copy -------------------------------------------- */
  function stateUrl(connection, launch, activityIri, stateId) {
    var query = "activityId=" + encodeURIComponent(activityIri) + "&agent=" + encodeURIComponent(JSON.stringify(launch.actor));
    if (stateId) { query += "&stateId=" + encodeURIComponent(stateId); }
    if (launch.registration) { query += "&registration=" + encodeURIComponent(launch.registration); }
    return connection.endpoint + "activities/state?" + query;
  }

  // The list of state ids first (xAPI §2.3: GET without stateId): it tells an LRS with a
  // State API (200 and a list) from one without, and spares a 404 for a document not made yet.
  function getState(connection, launch, activityIri, stateId) {
    var none = { supported: false, document: null };
    var read = function (url) {
      return window.fetch(url, { headers: connection.headers() }).then(function (response) {
        return response.ok ? response.json() : null;
      });
    };
    return read(stateUrl(connection, launch, activityIri, null)).then(function (ids) {
      if (!Array.isArray(ids)) { return none; }
      if (ids.indexOf(stateId) < 0) { return { supported: true, document: null }; }
      return read(stateUrl(connection, launch, activityIri, stateId)).then(function (document) {
        return { supported: true, document: document };
      });
    }).catch(function () { return none; });
  }

  function putState(connection, launch, activityIri, stateId, document, keepalive) {
    return window.fetch(stateUrl(connection, launch, activityIri, stateId), {
      method: "PUT", headers: connection.headers(), body: JSON.stringify(document), keepalive: !!keepalive
    }).then(function (response) { return response.ok; }, function () { return false; });
  }

  /* ---- the store ------------------------------------------------------------------ */
  // Same-package links carry the launch parameters on: one tincan.xml launch covers the course.
  function carryLaunch() {
    if (!window.location.search) { return; }
    document.querySelectorAll("a[href]").forEach(function (link) {
      var href = link.getAttribute("href");
      if (/^([a-z]+:|#|\/\/)/i.test(href) || href.indexOf("?") >= 0) { return; }
      var hash = href.indexOf("#");
      link.setAttribute("href", hash < 0 ? href + window.location.search
        : href.slice(0, hash) + window.location.search + href.slice(hash));
    });
  }

  function createStore() {
    var launch = launchParameters();
    var connection = createConnection(launch);
    var started = Date.now();
    var copyKey = "microquest:xapi-state:" + (launch ? launch.registration || "" : "") + ":" + activityId;
    var local = Store.browserCopy(copyKey);
    var page = Store.pageState(local);
    var stateSupported = false;
    var ready = false;
    var builder = null;
    var launchData = null;
    var terminated = false;
    var stateTimer = null;

    var board = Store.noticeBoard(function () {
      if (!launch) { return ["noLaunch"]; }
      if (connection.failed()) { return ["launchFailed"]; }
      return ready && !stateSupported ? ["noState"] : [];
    });
    var queue = createQueue(connection, board.set);

    function emit(statement) {
      if (!launch || connection.failed()) { return; }
      queue.add(statement);
    }

    // cmi5 §10.2.2: in Browse and Review modes an AU sends only initialized and terminated.
    function judged() {
      return !launchData || !launchData.launchMode || launchData.launchMode === "Normal";
    }

    function saveState(keepalive) {
      stateTimer = null;
      if (stateSupported && ready) {
        putState(connection, launch, plan.activity.id, "microquest-state", page.state, keepalive);
      }
    }

    function courseProgress(activityIri) {
      // Which activities of the course are done: a State API document on the course (with a browser copy).
      var progressCopy = Store.browserCopy("microquest:xapi-progress:" + (launch.registration || ""));
      var apply = function (progress) {
        progress = progress || { done: [], courseCompleted: false };
        if (progress.done.indexOf(activityIri) < 0) { progress.done.push(activityIri); }
        var all = plan.activities.every(function (iri) { return progress.done.indexOf(iri) >= 0; });
        if (all && !progress.courseCompleted) {
          progress.courseCompleted = true;
          emit(builder.courseCompleted());
        }
        progressCopy.write(progress);
        if (stateSupported) { putState(connection, launch, plan.course.id, "microquest-progress", progress); }
      };
      if (!stateSupported) { apply(progressCopy.read()); return; }
      getState(connection, launch, plan.course.id, "microquest-progress").then(function (answer) {
        var fromLrs = answer.document;
        var fromBrowser = progressCopy.read();
        if (fromLrs && fromBrowser) {
          fromBrowser.done.forEach(function (iri) { if (fromLrs.done.indexOf(iri) < 0) { fromLrs.done.push(iri); } });
          fromLrs.courseCompleted = fromLrs.courseCompleted || fromBrowser.courseCompleted;
        }
        apply(fromLrs || fromBrowser);
      });
    }

    function terminate() {
      if (terminated || !ready || !builder) { return false; }
      terminated = true;
      if (standard === "cmi5") {
        emit(builder.cmi5Defined("terminated", { duration: Store.isoDuration(Date.now() - started) }));
      }
      if (stateTimer) { clearTimeout(stateTimer); }
      saveState(true);
      queue.flush();
      return true;
    }

    var store = {
      connected: false,
      persistent: true,
      resumeLocation: "",
      get: page.get,
      set: function (key, value) {
        var kept = page.set(key, value);
        if (stateSupported && !stateTimer) { stateTimer = setTimeout(saveState, 1000); }
        return kept || stateSupported;
      },
      recordAnswers: function (list, answers) {
        if (builder && plan.canvas && judged()) { emit(builder.canvasSubmitted(Statements.responses(plan, answers || {}))); }
      },
      complete: function () {
        if (!builder || !judged() || store.get("completedSent")) { return; }
        store.set("completedSent", true);
        var duration = Store.isoDuration(Date.now() - started);
        if (standard === "cmi5") {
          emit(builder.cmi5Defined("completed", { completion: true, duration: duration }));
        } else {
          emit(builder.activityCompleted(duration));
          courseProgress(plan.activity.id);
        }
      },
      bookmark: function (location) {
        if (store.get("position") !== location) { store.set("position", location); }
      },
      commit: function () { saveState(false); queue.drain(); },
      exit: function () {
        if (!terminate()) { return; }
        // cmi5 §10.2.6: back to the LMS once the statements are sent.
        if (launchData && launchData.returnURL) {
          var leave = function () { window.location.assign(launchData.returnURL); };
          var wait = function (tries) {
            if (!queue.pending() || tries > 20) { leave(); } else { setTimeout(function () { wait(tries + 1); }, 250); }
          };
          wait(0);
        }
      },
      pending: function () { return queue.pending(); },
      notices: board.list,
      onNotice: board.listen
    };

    var fromBrowser = local.read();
    if (fromBrowser && fromBrowser.values) { page.state = fromBrowser; }
    store.resumeLocation = page.state.values.position || "";

    // Asynchronous start: the page is usable at once; the LRS's copy of the state
    // replaces the browser's if it is newer.
    store.ready = (launch ? connection.start() : Promise.resolve()).then(function () {
      if (!launch || connection.failed()) { return null; }
      var loadLaunchData = standard === "cmi5"
        ? getState(connection, launch, launch.activityId, "LMS.LaunchData").then(function (answer) {
          if (!answer.document) { throw new Error("the LMS provided no LMS.LaunchData"); }
          launchData = answer.document;
        })
        : Promise.resolve();
      return loadLaunchData.then(function () {
        return getState(connection, launch, plan.activity.id, "microquest-state");
      }).then(function (answer) {
        var fromLrs = answer.supported ? answer.document : null;
        if (fromLrs && fromLrs.values && fromLrs.t > page.state.t) {
          page.state = fromLrs;
          local.write(page.state);
          store.resumeLocation = page.state.values.position || "";
          if (MicroQuest.restore) { MicroQuest.restore(); }
        }
        stateSupported = answer.supported;
        // The browser's copy is newer (answers typed offline, or no copy in the LRS yet).
        if (stateSupported && fromBrowser && (!fromLrs || fromBrowser.t > fromLrs.t)) {
          putState(connection, launch, plan.activity.id, "microquest-state", page.state);
        }
      }).then(function () {
        var sessionId = launchData && launchData.contextTemplate && launchData.contextTemplate.extensions
          ? launchData.contextTemplate.extensions[plan.cmi5.extensions.sessionid] : null;
        builder = Statements.builder(launch, plan, launchData, sessionId);
        ready = true;
        store.connected = true;
        if (standard === "cmi5") {
          // One initialized per session, also when the learner reloads the page (§9.3).
          var sent = "microquest:cmi5-initialized:" + sessionId;
          if (!window.sessionStorage.getItem(sent)) {
            emit(builder.cmi5Defined("initialized", null));
            window.sessionStorage.setItem(sent, "1");
          }
        }
        board.tell();
        queue.drain();
        return null;
      });
    }).catch(function (error) {
      MicroQuest.lmsErrors.push(error.message);
      board.tell();
    });

    // cmi5: terminated ends the session, so only the learner's exit sends it (a reload
    // continues the session; a closed tab is the LMS's to mark abandoned, §9.3.7).
    function keep() { saveState(true); queue.flush(); }
    Store.whileOpen({
      hidden: keep,
      every: function () { queue.drain(); },
      leave: function () { if (standard === "cmi5") { keep(); } else { terminate(); } }
    });
    return store;
  }

  // A page without a plan (the xAPI package's index) only passes the launch on and
  // sends what earlier pages left in the queue.
  function createCourier() {
    var launch = launchParameters();
    if (!launch) { return; }
    var connection = createConnection(launch);
    var queue = createQueue(connection, function () { return null; });
    connection.start().then(function () { queue.drain(); });
  }

  carryLaunch();
  if (plan) {
    MicroQuest.store = createStore();
  } else {
    createCourier();
  }
}());
