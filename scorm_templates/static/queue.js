/* microquest statement queue: what the xAPI and cmi5 pages send, kept in localStorage
 * ("microquest:xapi-queue", shared by every page of the course) from the moment a
 * statement is made until the LRS confirms it (204/200, or 409 for a statement it
 * already holds: PUT with the statement's own id stores it once).
 *
 * A statement is in flight at most once, whichever page or event sends it: a sender
 * first writes a lease on the entry (until now + LEASE) and no page or event sends a
 * leased entry. Sends use keepalive (up to the browser's 64 KB in flight), so a page
 * that goes away does not cancel them; the next page asks the LRS for an entry another
 * page leased (a second after it was sent) and sends it again only when the LRS does not
 * hold it once its lease has run out. Failures are retried with backoff,
 * when the network returns and from any later page of the course. A plain script
 * before xapi.js: window.MicroquestQueue.
 */
(function () {
  "use strict";

  var MicroQuest = window.MicroQuest;
  var Store = window.MicroquestStore;
  var QUEUE_KEY = "microquest:xapi-queue";
  var MAX_DELAY = 60000;
  var PARALLEL = 4;
  var LEASE = 10000;
  var SETTLE = 1000;
  var KEEPALIVE_BUDGET = 60000;

  function readQueue() { return Store.readJson(QUEUE_KEY) || []; }

  // GET one statement by id: whether the LRS holds it.
  function inLrs(connection, id) {
    return window.fetch(connection.endpoint + "statements?statementId=" + encodeURIComponent(id), {
      headers: connection.headers()
    }).then(function (response) { return response.status === 200; }, function () { return false; });
  }

  function writeQueue(queue) { return Store.writeJson(QUEUE_KEY, queue); }

  // notify(key, on): the offline notice; confirmed(id): a statement the LRS now holds.
  function createQueue(connection, notify, confirmed) {
    var timer = null;
    var delay = 1000;
    var keepaliveBytes = 0;
    var leaving = false;
    var own = {};  // the ids this page has in flight
    var asked = {};  // the ids of other pages' sends this page asked the LRS about
    window.addEventListener("pagehide", function () { leaving = true; });
    window.addEventListener("pageshow", function () { leaving = false; });

    function send(entry) {
      var keepalive = keepaliveBytes + entry.size <= KEEPALIVE_BUDGET;
      if (keepalive) { keepaliveBytes += entry.size; }
      var done = function () { if (keepalive) { keepaliveBytes -= entry.size; } };
      return window.fetch(connection.endpoint + "statements?statementId=" + encodeURIComponent(entry.statement.id), {
        method: "PUT",
        headers: connection.headers(),
        body: JSON.stringify(entry.statement),
        keepalive: keepalive
      }).then(function (response) {
        done();
        // 204: stored. 409: the LRS already holds a statement with this id — ours, sent before.
        if (response.status === 204 || response.status === 200 || response.status === 409) { return true; }
        throw new Error("LRS answered " + response.status);
      }, function (error) {
        done();
        throw error;
      });
    }

    function schedule(wait) {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(drain, Math.max(0, wait));
    }

    function update(id, change) {
      var queue = readQueue();
      var kept = queue.filter(function (entry) {
        return entry.statement.id !== id || change(entry);
      });
      writeQueue(kept);
    }

    function mine(entry) { return entry.endpoint === connection.endpoint; }

    // The page that made the statement keeps its id as a receipt: the confirmation goes into
    // that page's browser copy, whichever page of the course got it (the index reads it there).
    function settle(entry) {
      var receipt = entry.receipt;
      var state = receipt ? Store.readJson(receipt.copy) : null;
      var receipts = state && state.values ? state.values.receipts || {} : {};
      if (receipts[receipt && receipt.key] !== entry.statement.id) { return; }
      state.values.confirmed = state.values.confirmed || {};
      state.values.confirmed[receipt.key] = true;
      Store.writeJson(receipt.copy, state);
    }

    // The LRS confirmed it: out of the queue, into the receipts of the page that made it.
    function held(entry) {
      update(entry.statement.id, function () { return false; });
      settle(entry);
      confirmed(entry.statement.id);
    }

    // Another page's send (a page that went away, or another tab): a second after it went, the
    // LRS says whether it holds it; if not, it is sent again once its lease has run out.
    function askAbout(entry, now) {
      var id = entry.statement.id;
      if (asked[id] || now < entry.lease - LEASE + SETTLE) { return; }
      asked[id] = true;
      inLrs(connection, id).then(function (holds) {
        if (holds) { held(entry); }
        schedule(0);
      });
    }

    // Every free entry (up to PARALLEL) is leased, then sent; each carries its own id, so the
    // order of arrival does not matter (statements are ordered by timestamp).
    function drain() {
      timer = null;
      if (!connection.ready()) { return; }
      var now = Date.now();
      var queue = readQueue();
      var ours = queue.filter(mine);
      if (!ours.length) {
        notify("offline", false);
        return;
      }
      var free = ours.filter(function (entry) { return !(entry.lease > now); });
      ours.forEach(function (entry) {
        if (entry.lease > now && !own[entry.statement.id]) { askAbout(entry, now); }
      });
      if (!free.length) {
        var next = Math.min.apply(null, ours.map(function (entry) {
          return own[entry.statement.id] || asked[entry.statement.id] ? entry.lease : entry.lease - LEASE + SETTLE;
        }));
        schedule(next - now + 50);
        return;
      }
      var batch = free.slice(0, PARALLEL);
      batch.forEach(function (entry) {
        entry.lease = now + LEASE;
        own[entry.statement.id] = true;
      });
      writeQueue(queue);  // leased before anything is sent
      batch.forEach(function (entry) {
        send(entry).then(function () {
          delete own[entry.statement.id];
          held(entry);
          delay = 1000;
          notify("offline", false);
          drain();
        }, function (error) {
          // A page going away sees its keepalive sends fail here while they go on: the lease stays.
          if (leaving) { return; }
          delete own[entry.statement.id];
          update(entry.statement.id, function (kept) { delete kept.lease; return true; });
          MicroQuest.lmsErrors.push("statement " + entry.statement.id + ": " + error.message);
          notify("offline", true);
          delay = Math.min(MAX_DELAY, delay * 2);
          schedule(delay);
        });
      });
      if (free.length > batch.length) { schedule(delay); }
    }

    window.addEventListener("online", function () { delay = 1000; schedule(0); });
    return {
      // receipt: {copy: the browser copy's key, key: "done" or "submitted"} of the page that made it.
      add: function (statement, receipt) {
        var queue = readQueue();
        queue.push({ endpoint: connection.endpoint, statement: statement, size: JSON.stringify(statement).length,
          receipt: receipt || null });
        writeQueue(queue);  // stored before it is sent
        schedule(0);
      },
      drain: drain,
      holds: function (id) {
        return readQueue().some(function (entry) { return entry.statement.id === id; });
      },
      pending: function () { return readQueue().filter(mine).length; }
    };
  }

  window.MicroquestQueue = { create: createQueue, inLrs: inLrs };
}());
