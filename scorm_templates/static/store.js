/* microquest shared runtime: what the SCORM adapter (lms.js) and the xAPI/cmi5 adapter
 * (xapi.js) both need, in one place: the browser's copy in localStorage, the page's
 * state, the notices shown to the learner and the moments a page must save before it
 * goes. A plain script loaded before the adapter (the packages have no bundler or
 * module system): everything is on one global, window.MicroquestStore. Only the page's
 * state and the statement queue go to localStorage through here, never a credential.
 */
(function () {
  "use strict";

  var MicroQuest = window.MicroQuest = window.MicroQuest || {};
  // What the LMS or LRS refused, for people who script the page (and for the tests).
  MicroQuest.lmsErrors = [];

  // Every notice the learner can be shown, whichever standard the package plays in.
  var NOTICES = {
    noLms: "Ta stran ni povezana s sistemom LMS: napredek in odgovori se shranjujejo samo v tem brskalniku.",
    noStorage: "Brskalnik ne dovoli shranjevanja: odgovori se izgubijo, ko zaprete stran. Prenesite jih.",
    tooLong: "Nekateri odgovori so daljši, kot jih lahko sprejme sistem LMS: shranjeni so samo v tem brskalniku. " +
      "Polja, ki jih to zadeva, so označena; skrajšajte jih ali odgovore prenesite, da jih imate tudi drugje.",
    initRefused: "Sistem LMS te aktivnosti ta hip ne sprejme (seja v sistemu LMS je že zaključena). Odgovori in " +
      "napredek so shranjeni v tem brskalniku in bodo poslani, ko aktivnost znova odprete iz sistema LMS.",
    commitFailed: "Sistem LMS trenutno ne sprejme shranjevanja. Odgovori so shranjeni v tem brskalniku; " +
      "ponovno bomo poskusili samodejno.",
    noLaunch: "Ta stran ni bila zagnana iz sistema LMS: napredek in odgovori se shranjujejo samo v tem brskalniku.",
    noState: "Sistem za beleženje učenja ne hrani stanja: odgovori se shranjujejo samo v tem brskalniku.",
    offline: "Povezava s sistemom za beleženje učenja ni na voljo. Zapisi o napredku čakajo v brskalniku in " +
      "bodo poslani samodejno.",
    launchFailed: "Zagon iz sistema LMS ni uspel (žeton za dostop ni na voljo). Napredek se shranjuje samo v " +
      "tem brskalniku; aktivnost znova odprite iz sistema LMS."
  };

  /* ---- localStorage ---------------------------------------------------------------
   * It may be missing or forbidden (privacy modes, a course in a third-party frame whose
   * storage the browser blocks) or full (its quota): any access can throw. Then a write
   * keeps the value in this page's memory and says false (not kept in the browser), and a
   * read gives that value, so the page still works (its statement queue still sends) for
   * as long as it is open. Never an exception. */
  var pageMemory = {};

  function readJson(key) {
    try {
      if (Object.prototype.hasOwnProperty.call(pageMemory, key)) { return JSON.parse(pageMemory[key]); }
      return JSON.parse(window.localStorage.getItem(key));
    } catch (error) {
      return null;
    }
  }

  function writeJson(key, value) {
    var text = JSON.stringify(value);
    try {
      window.localStorage.setItem(key, text);
      delete pageMemory[key];
      return true;
    } catch (error) {
      pageMemory[key] = text;
      return false;
    }
  }

  function usable(key) {
    try {
      window.localStorage.setItem(key + ":probe", "1");
      window.localStorage.removeItem(key + ":probe");
      return true;
    } catch (error) {
      return false;
    }
  }

  // The browser's copy of one document. With probe, whether the browser keeps it is
  // known at once (`available`), and where it does not the copy lives for this page only.
  function browserCopy(key, probe) {
    var available = !probe || usable(key);
    var memory = null;
    return {
      available: available,
      read: function () { return available ? readJson(key) : memory; },
      write: function (value) {
        memory = value;
        return available && writeJson(key, value);
      }
    };
  }

  /* ---- the page's state -------------------------------------------------------------
   * {v: format, t: time of the last change in ms, values: {key: value}}: the newer of
   * two copies is the one with the later t. Each change goes to the browser's copy at
   * once; the adapter sends it on to the LMS or the LRS. */
  function pageState(copy) {
    var page = {
      state: { v: 1, t: 0, values: {} },
      get: function (key) {
        return Object.prototype.hasOwnProperty.call(page.state.values, key) ? page.state.values[key] : null;
      },
      // Whether the browser kept it.
      set: function (key, value) {
        page.state.values[key] = value;
        page.state.t = Date.now();
        return copy.write(page.state);
      }
    };
    return page;
  }

  /* ---- the notices ------------------------------------------------------------------
   * standing() names the notices that follow from how the page was started (no LMS, no
   * State API…); set(key, on) turns the others on and off as things happen. Listeners
   * (the page) get the whole list on every change. */
  function noticeBoard(standing) {
    var on = {};
    var listeners = [];
    var board = {
      list: function () {
        var list = standing().map(function (key) { return NOTICES[key]; });
        Object.keys(on).forEach(function (key) { if (on[key]) { list.push(NOTICES[key]); } });
        return list;
      },
      set: function (key, value) {
        if (!!on[key] === !!value) { return; }
        on[key] = !!value;
        board.tell();
      },
      tell: function () { listeners.forEach(function (listener) { listener(board.list()); }); },
      listen: function (listener) { listeners.push(listener); }
    };
    return board;
  }

  /* ---- a page going away ----------------------------------------------------------
   * Browsers block synchronous requests and `unload` when a page goes away (in an LMS's
   * iframe too): save when the page is hidden, every 30 seconds, and on pagehide. */
  function whileOpen(hooks) {
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") { hooks.hidden(); }
    });
    window.addEventListener("pagehide", hooks.leave);
    setInterval(hooks.every, 30000);
  }

  // Who wants to know when something changes (a confirmation arrived, a session ended): the page.
  function listeners() {
    var list = [];
    return {
      add: function (listener) { list.push(listener); },
      tell: function () { list.forEach(function (listener) { listener(); }); }
    };
  }

  // An ISO 8601 duration in seconds to the hundredth: SCORM 2004's session time, xAPI's result.duration.
  function isoDuration(ms) {
    return "PT" + (Math.round(ms / 10) / 100) + "S";
  }

  window.MicroquestStore = {
    readJson: readJson,
    writeJson: writeJson,
    browserCopy: browserCopy,
    pageState: pageState,
    noticeBoard: noticeBoard,
    whileOpen: whileOpen,
    listeners: listeners,
    isoDuration: isoDuration
  };
}());
