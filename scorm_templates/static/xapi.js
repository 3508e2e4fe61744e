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
  var Queue = window.MicroquestQueue;
  var XAPI_VERSION = "1.0.3";

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

  function copyOf(value) { return value === undefined ? undefined : JSON.parse(JSON.stringify(value)); }

  function createStore() {
    var launch = launchParameters();
    var connection = createConnection(launch);
    var started = Date.now();
    var copyKey = "microquest:xapi-state:" + (launch ? launch.registration || "" : "") + ":" + activityId;
    var local = Store.browserCopy(copyKey);
    var page = Store.pageState(local);
    var stateSupported = false;
    var ready = false;
    var launchData = null;
    var terminated = false;
    var exited = false;
    var stateTimer = null;
    var changed = {};  // keys set before the LRS's copy arrived, and the answers as they were
    var changes = Store.listeners();
    // xAPI needs nothing but the launch to make a statement; cmi5 waits for LMS.LaunchData.
    var builder = launch && standard !== "cmi5" ? Statements.builder(launch, plan, null, null) : null;

    var board = Store.noticeBoard(function () {
      if (!launch) { return ["noLaunch"]; }
      if (connection.failed()) { return ["launchFailed"]; }
      return ready && !stateSupported ? ["noState"] : [];
    });
    var queue = Queue.create(connection, board.set, function (id) {
      var receipts = page.get("receipts") || {};
      var confirmed = copyOf(page.get("confirmed")) || {};
      var news = Object.keys(receipts).filter(function (key) { return receipts[key] === id && !confirmed[key]; });
      if (!news.length) { return; }
      news.forEach(function (key) { confirmed[key] = true; });
      store.set("confirmed", confirmed);
      changes.tell();
    });

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
          queue.add(builder.courseCompleted());
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

    // What the learner did and no statement says yet (receipts[key] === ""): made as soon as there is a builder.
    function makeStatements() {
      if (!builder || !judged() || !launch || connection.failed()) { return; }
      var receipts = copyOf(page.get("receipts")) || {};
      var made = false;
      if (receipts.submitted === "" && plan.canvas) {
        var submitted = builder.canvasSubmitted(Statements.responses(plan, page.get("answers") || {}));
        queue.add(submitted, { copy: copyKey, key: "submitted" });
        receipts.submitted = submitted.id;
        made = true;
      }
      if (receipts.done === "") {
        var duration = Store.isoDuration(Date.now() - started);
        var completed = standard === "cmi5"
          ? builder.cmi5Defined("completed", { completion: true, duration: duration })
          : builder.activityCompleted(duration);
        queue.add(completed, { copy: copyKey, key: "done" });
        receipts.done = completed.id;
        made = true;
        if (standard !== "cmi5") { progressWhenReady(); }
      }
      if (made) { store.set("receipts", receipts); }
    }

    var progressWanted = false;
    function progressWhenReady() {
      if (ready) { courseProgress(plan.activity.id); } else { progressWanted = true; }
    }

    function record(key) {
      var receipts = copyOf(page.get("receipts")) || {};
      var confirmed = copyOf(page.get("confirmed")) || {};
      if (key === "done" && receipts.done !== undefined) { return; }  // completed once
      receipts[key] = "";
      delete confirmed[key];
      store.set(key, true);
      store.set("confirmed", confirmed);
      store.set("receipts", receipts);
      makeStatements();
    }

    function terminate() {
      if (terminated || !ready || !builder) { return false; }
      terminated = true;
      if (standard === "cmi5") {
        queue.add(builder.cmi5Defined("terminated", { duration: Store.isoDuration(Date.now() - started) }));
      }
      if (stateTimer) { clearTimeout(stateTimer); }
      saveState(true);
      queue.drain();
      return true;
    }

    var store = {
      connected: false,
      persistent: true,
      resumeLocation: "",
      get: page.get,
      set: function (key, value) {
        if (!ready && !changed.hasOwnProperty(key)) { changed[key] = copyOf(page.get(key)); }
        var kept = page.set(key, value);
        if (stateSupported && !stateTimer) { stateTimer = setTimeout(saveState, 1000); }
        return kept || stateSupported;
      },
      submit: function () {
        if (plan.canvas) { record("submitted"); }
        record("done");
        changes.tell();
      },
      complete: function () {
        record("done");
        changes.tell();
      },
      // Outside a launch the browser is all there is (and the page says so).
      confirmed: function (key) {
        if (!page.get(key)) { return false; }
        if (!launch || connection.failed()) { return local.available; }
        return !!(page.get("confirmed") || {})[key];
      },
      bookmark: function (location) {
        if (store.get("position") !== location) { store.set("position", location); }
      },
      commit: function () { saveState(false); queue.drain(); },
      exit: function () {
        if (!terminate()) { return false; }
        exited = true;
        changes.tell();
        // Saved only once the LRS has confirmed every statement (about 5 s at most, then it says so).
        var sent = new Promise(function (resolve) {
          var wait = function (tries) {
            queue.drain();
            if (!queue.pending()) { resolve(true); } else if (tries >= 20) { resolve(false); } else {
              setTimeout(function () { wait(tries + 1); }, 250);
            }
          };
          wait(0);
        });
        // cmi5 §10.2.6: back to the LMS once the statements are sent.
        if (launchData && launchData.returnURL) {
          sent.then(function () { window.location.assign(launchData.returnURL); });
        }
        return sent;
      },
      finished: function () { return exited; },
      pending: function () { return queue.pending(); },
      onChange: changes.add,
      notices: board.list,
      onNotice: board.listen
    };

    var fromBrowser = local.read();
    if (fromBrowser && fromBrowser.values) { page.state = fromBrowser; }
    store.resumeLocation = page.state.values.position || "";

    // The LRS's copy, with what the learner changed while it was on its way laid over it.
    function merged(fromLrs) {
      var values = copyOf(fromLrs.values);
      Object.keys(changed).forEach(function (key) {
        if (key !== "answers") { values[key] = copyOf(page.state.values[key]); return; }
        var before = changed.answers || {};
        var now = page.state.values.answers || {};
        var answers = values.answers || {};
        Object.keys(now).concat(Object.keys(before)).forEach(function (name) {
          if (now[name] !== before[name]) {
            if (now[name] === undefined) { delete answers[name]; } else { answers[name] = now[name]; }
          }
        });
        values.answers = answers;
      });
      return { v: 1, t: Math.max(fromLrs.t, page.state.t), values: values };
    }

    // Receipts no queue of this browser holds: confirmed here before, or made elsewhere (ask the LRS).
    function checkReceipts() {
      var receipts = page.get("receipts") || {};
      var confirmed = page.get("confirmed") || {};
      Object.keys(receipts).forEach(function (key) {
        var id = receipts[key];
        if (!id || confirmed[key] || queue.holds(id)) { return; }
        Queue.inLrs(connection, id).then(function (held) {
          var now = copyOf(page.get("confirmed")) || {};
          if (!held || now[key] || (page.get("receipts") || {})[key] !== id) { return; }
          now[key] = true;
          store.set("confirmed", now);
          changes.tell();
        });
      });
    }

    // Asynchronous start: the page is usable at once and records what the learner does.
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
        var localChanges = Object.keys(changed).length > 0;
        if (fromLrs && fromLrs.values && (fromLrs.t > page.state.t || localChanges)) {
          page.state = localChanges ? merged(fromLrs) : fromLrs;
          local.write(page.state);
          store.resumeLocation = page.state.values.position || "";
          if (MicroQuest.restore) { MicroQuest.restore(); }
        }
        stateSupported = answer.supported;
        // The browser's copy is newer (answers typed offline, or no copy in the LRS yet).
        if (stateSupported && (localChanges || (fromBrowser && (!fromLrs || fromBrowser.t > fromLrs.t)))) {
          putState(connection, launch, plan.activity.id, "microquest-state", page.state);
        }
      }).then(function () {
        var sessionId = launchData && launchData.contextTemplate && launchData.contextTemplate.extensions
          ? launchData.contextTemplate.extensions[plan.cmi5.extensions.sessionid] : null;
        builder = builder || Statements.builder(launch, plan, launchData, sessionId);
        ready = true;
        changed = {};
        store.connected = true;
        if (standard === "cmi5") {
          // One initialized per session, also when the learner reloads the page (§9.3).
          var sent = "microquest:cmi5-initialized:" + sessionId;
          if (!window.sessionStorage.getItem(sent)) {
            queue.add(builder.cmi5Defined("initialized", null));
            window.sessionStorage.setItem(sent, "1");
          }
        }
        makeStatements();
        if (progressWanted) { courseProgress(plan.activity.id); }
        checkReceipts();
        board.tell();
        changes.tell();
        queue.drain();
        return null;
      });
    }).catch(function (error) {
      MicroQuest.lmsErrors.push(error.message);
      board.tell();
    });

    // cmi5: terminated ends the session, so only the learner's exit sends it (a reload
    // continues the session; a closed tab is the LMS's to mark abandoned, §9.3.7).
    function keep() { saveState(true); queue.drain(); }
    Store.whileOpen({
      hidden: keep,
      every: function () { queue.drain(); },
      leave: function () { if (standard === "cmi5") { keep(); } else { terminate(); } }
    });
    if (builder) { queue.drain(); }
    return store;
  }

  // A page without a plan (the xAPI package's index) only passes the launch on and
  // sends what earlier pages left in the queue.
  function createCourier() {
    var launch = launchParameters();
    if (!launch) { return; }
    var connection = createConnection(launch);
    var queue = Queue.create(connection, function () { return null; }, function () { return null; });
    connection.start().then(function () { queue.drain(); });
  }

  carryLaunch();
  if (plan) {
    MicroQuest.store = createStore();
  } else {
    createCourier();
  }
}());
