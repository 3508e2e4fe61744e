/* microquest page runtime: canvases that keep their answers, print and download them,
 * and an activity the learner marks done. State goes through MicroQuest.store
 * (lms.js), which talks to the LMS where there is one. Plain JavaScript. */
(function () {
  "use strict";

  var MicroQuest = window.MicroQuest;
  var store = MicroQuest.store;

  function setStatus(element, text, kind) {
    if (!element) { return; }
    element.textContent = text;
    element.className = element.className.replace(/\bstatus-\w+\b/g, "").trim() + (kind ? " status-" + kind : "");
  }

  function showNotices(list) {
    var notice = document.querySelector("[data-save-notice]");
    if (!notice) { return; }
    notice.textContent = list.join(" ");
    notice.hidden = list.length === 0;
  }

  function readAnswers(form) {
    var answers = {};
    Array.prototype.forEach.call(form.elements, function (control) {
      if (control.name && (control.value || "") !== "") { answers[control.name] = control.value; }
    });
    return answers;
  }

  function rowCount(table) {
    return table.tBodies[0].rows.length;
  }

  function addRow(table) {
    var template = document.getElementById(table.id + "-row");
    var max = parseInt(table.getAttribute("data-rows-max"), 10);
    if (!template || (max && rowCount(table) >= max)) { return null; }
    var row = String(rowCount(table) + 1);
    table.tBodies[0].insertAdjacentHTML("beforeend", template.innerHTML.replace(/__ROW__/g, row));
    return table.tBodies[0].rows[rowCount(table) - 1];
  }

  function ensureRows(form, answers) {
    Object.keys(answers).forEach(function (name) {
      var match = /^([^.]+)\.(\d+)\./.exec(name);
      if (!match) { return; }
      var table = form.querySelector('table[data-field="' + match[1] + '"]');
      while (table && rowCount(table) < parseInt(match[2], 10) && addRow(table)) { /* grow */ }
    });
  }

  function writeAnswers(form, answers) {
    ensureRows(form, answers);
    Array.prototype.forEach.call(form.elements, function (control) {
      if (control.name && Object.prototype.hasOwnProperty.call(answers, control.name)) {
        control.value = answers[control.name];
      }
    });
  }

  function labelOf(control) {
    var ids = (control.getAttribute("aria-labelledby") || "").split(" ").filter(Boolean);
    if (ids.length) {
      return ids.map(function (id) { return document.getElementById(id).textContent.replace(/\s*\*$/, "").trim(); })
        .join(" – ");
    }
    var label = control.labels && control.labels[0];
    return label ? label.textContent.replace(/\s*\*$/, "").trim() : control.name;
  }

  function shownValue(control) {
    return control.tagName === "SELECT" && control.selectedIndex > 0
      ? control.options[control.selectedIndex].text : control.value;
  }

  function answerList(form) {
    var list = [];
    Array.prototype.forEach.call(form.elements, function (control) {
      if (control.name && control.value !== "") {
        list.push({ id: control.name.replace(/\./g, "-"), label: labelOf(control), value: shownValue(control) });
      }
    });
    return list;
  }

  function answersAsText(form) {
    var lines = [document.title, ""];
    Array.prototype.forEach.call(form.elements, function (control) {
      if (control.name) { lines.push(labelOf(control) + ":", shownValue(control) || "—", ""); }
    });
    return lines.join("\n");
  }

  function download(name, text) {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
    link.download = name;
    document.body.appendChild(link);
    link.click();
    setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 0);
  }

  // Form controls print only their visible box: a text copy of each answer prints instead.
  function mirrorForPrint(form) {
    Array.prototype.forEach.call(form.elements, function (control) {
      if (!control.name) { return; }
      var mirror = control.nextElementSibling;
      if (!mirror || !mirror.classList.contains("print-value")) {
        mirror = document.createElement("div");
        mirror.className = "print-value";
        mirror.setAttribute("aria-hidden", "true");
        control.insertAdjacentElement("afterend", mirror);
        control.classList.add("has-print-value");
      }
      mirror.textContent = shownValue(control);
    });
  }

  /* ---- what the page says: only what the LMS (or LRS) has confirmed -------------------- */
  var TEXT = {
    submitted: "Kanvas je oddan.",
    submitPending: "Oddaja še ni potrjena: odgovori so shranjeni v tem brskalniku in bodo poslani samodejno, " +
      "ko jih bo sistem sprejel.",
    done: "Aktivnost je opravljena.",
    donePending: "Aktivnost bo označena kot opravljena, ko sistem potrdi shranjevanje; napredek je shranjen v tem brskalniku.",
    saved: "Napredek je shranjen. Okno lahko zaprete.",
    exitPending: "Shranjujem … Počakajte, da sistem potrdi shranjevanje.",
    notSaved: "Seja je zaključena, vendar sistem LMS ni potrdil vseh odgovorov: ostanejo v tem brskalniku in bodo " +
      "poslani, ko aktivnost znova odprete iz sistema LMS.",
    locked: "Seja je zaključena, zato odgovorov tu ni več mogoče spreminjati. Če jih želite urediti, aktivnost znova " +
      "odprite iz sistema LMS."
  };

  function showState() {
    var completion = document.querySelector("[data-completion-status]");
    document.querySelectorAll("form.canvas-form").forEach(function (form) {
      var status = form.querySelector("[data-canvas-status]");
      if (finished()) {
        lock(form);
        setStatus(status, TEXT.locked, "warn");
      } else if (store.get("submitted")) {
        setStatus(status, store.confirmed("submitted") ? TEXT.submitted : TEXT.submitPending,
          store.confirmed("submitted") ? "ok" : "warn");
      }
      markUnsaved(form);
    });
    if (exitText) {
      setStatus(completion, exitText, exitText === TEXT.saved ? "ok" : "warn");
    } else if (store.get("done")) {
      setStatus(completion, store.confirmed("done") ? TEXT.done : TEXT.donePending,
        store.confirmed("done") ? "ok" : "warn");
    }
  }

  function finished() { return !!(store.finished && store.finished()); }

  // After "Shrani in končaj": answers stay readable (and copyable) but no longer change.
  function lock(form) {
    Array.prototype.forEach.call(form.elements, function (control) {
      if (control.tagName === "TEXTAREA" || (control.tagName === "INPUT" && control.type === "text")) {
        control.readOnly = true;
      } else if (!control.hasAttribute("data-print") && !control.hasAttribute("data-download")) {
        control.disabled = true;
      }
    });
    form.querySelectorAll("[data-add-row]").forEach(function (button) { button.disabled = true; });
  }

  function restoreCanvas(form) {
    var saved = store.get("answers");
    if (saved) { writeAnswers(form, saved); }
    mirrorForPrint(form);
    rememberValues(form);
  }

  // The browser's own messages are in its language ("Please fill out this field."): the course says it in Slovenian.
  function characters(n) {
    var rest = n % 100;
    return rest === 1 ? "znak" : rest === 2 ? "znaka" : rest === 3 || rest === 4 ? "znaki" : "znakov";
  }

  // A row of a table counts when every cell of its required columns is filled.
  function rowComplete(row) {
    var cells = row.querySelectorAll("[data-required]");
    return cells.length > 0 && Array.prototype.every.call(cells, function (cell) { return cell.value.trim(); });
  }

  function validityMessage(control) {
    var max = control.maxLength;
    if (max > 0 && control.value.length > max) { return "Največ " + max + " " + characters(max) + "."; }
    if (!control.required || control.value.trim()) { return ""; }
    var table = control.closest("table");
    if (!table) { return "Izpolnite to polje."; }
    if (Array.prototype.some.call(table.tBodies[0].rows, rowComplete)) { return ""; }
    var anyFilled = Array.prototype.some.call(
      table.querySelectorAll("input, textarea, select"), function (other) { return other.value.trim(); });
    return anyFilled ? "Izpolnite to polje." : "Izpolnite vsaj eno vrstico tabele.";
  }

  function checkControls(form) {
    Array.prototype.forEach.call(form.elements, function (control) {
      if (control.name && control.setCustomValidity) { control.setCustomValidity(validityMessage(control)); }
    });
  }

  /* ---- room in the LMS: the form never holds more than the LMS keeps ---------------------
   * store.room(key, value) is what suspend_data would still have left (characters, compressed)
   * with that value: Infinity where nothing limits it (no LMS, xAPI). Where the LMS keeps only
   * the standard's 4096 characters, every long field shows about how much more fits; text that
   * does not fit is not taken, and the field says so. */
  var lastValues = {};

  function rememberValues(form) {
    Array.prototype.forEach.call(form.elements, function (control) {
      if (control.name) { lastValues[control.name] = control.value; }
    });
  }

  function limited() { return !!(store.limit && store.room); }

  function number(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  }

  // A note under the control, made once: the room left, or why text was not taken.
  function noteFor(control, kind) {
    var id = control.id + "-" + kind;
    var note = document.getElementById(id);
    if (!note) {
      note = document.createElement("p");
      note.id = id;
      note.className = "field-" + kind;
      if (kind === "message") { note.setAttribute("role", "alert"); }
      var after = control.nextElementSibling && control.nextElementSibling.classList.contains("print-value")
        ? control.nextElementSibling : control;
      after.insertAdjacentElement("afterend", note);
      var described = (control.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      if (described.indexOf(id) < 0) { control.setAttribute("aria-describedby", described.concat([id]).join(" ")); }
    }
    return note;
  }

  function say(control, kind, text) {
    var existing = document.getElementById(control.id + "-" + kind);
    if (!text && !existing) { return; }
    var note = existing || noteFor(control, kind);
    note.textContent = text;
    note.hidden = !text;
  }

  // About how many more characters fit: the room over what the answers cost so far per character.
  function roomText(form) {
    var answers = readAnswers(form);
    var room = store.room("answers", answers);
    if (room <= 0) { return "V sistemu LMS ni več prostora za odgovore: skrajšajte katerega od njih."; }
    var typed = Object.keys(answers).reduce(function (sum, name) { return sum + answers[name].length; }, 0);
    var used = store.limit - room;
    var perCharacter = typed > 500 ? Math.min(1.5, Math.max(0.4, used / typed)) : 0.8;
    var left = Math.floor(room / perCharacter / 10) * 10;
    return "V sistemu LMS je prostora še za približno " + number(left) + " " + characters(left) +
      " (za vse odgovore skupaj).";
  }

  function showRoom(form) {
    if (!limited() || store.extended) { return; }
    var text = roomText(form);
    form.querySelectorAll("textarea[name]").forEach(function (control) { say(control, "room", text); });
  }

  function addRoomNotes(form) {
    if (!limited() || store.extended) { return; }
    form.querySelectorAll("textarea[name]").forEach(function (control) { noteFor(control, "room"); });
    showRoom(form);
  }

  // What was typed or pasted, as much of it as fits; the rest is not taken, and the field says so.
  function keepWithinRoom(form, control) {
    if (!control.name || !limited()) { return; }
    var answers = readAnswers(form);
    if (store.room("answers", answers) >= 0) {
      lastValues[control.name] = control.value;
      say(control, "message", "");
      return;
    }
    var before = lastValues[control.name] || "";
    var now = control.value;
    var start = 0;
    while (start < before.length && start < now.length && before.charAt(start) === now.charAt(start)) { start += 1; }
    var end = 0;
    while (end < before.length - start && end < now.length - start &&
      before.charAt(before.length - 1 - end) === now.charAt(now.length - 1 - end)) { end += 1; }
    var inserted = now.slice(start, now.length - end);
    var candidate = function (count) { return now.slice(0, start) + inserted.slice(0, count) + now.slice(now.length - end); };
    var fits = function (value) {
      var trial = {};
      Object.keys(answers).forEach(function (name) { trial[name] = answers[name]; });
      if (value) { trial[control.name] = value; } else { delete trial[control.name]; }
      return store.room("answers", trial) >= 0;
    };
    var low = 0;
    var high = inserted.length;
    while (low < high) {
      var middle = Math.ceil((low + high) / 2);
      if (fits(candidate(middle))) { low = middle; } else { high = middle - 1; }
    }
    var kept = control.tagName === "SELECT" ? before : candidate(low);
    control.value = kept;
    if (control.setSelectionRange && control.tagName !== "SELECT") { control.setSelectionRange(start + low, start + low); }
    lastValues[control.name] = kept;
    say(control, "message", control.tagName === "SELECT"
      ? "Te izbire sistem LMS ne more več shraniti: skrajšajte katerega od odgovorov."
      : "Sistem LMS ne more shraniti toliko besedila: od " + number(inserted.length) + " vnesenih " +
        characters(inserted.length) + " je sprejetih " + number(low) + ". Skrajšajte katerega od odgovorov, da naredite prostor.");
  }

  // Answers the LMS could not take (kept only in this browser) say so at their field.
  function markUnsaved(form) {
    var unsaved = store.unsaved ? store.unsaved() : [];
    Array.prototype.forEach.call(form.elements, function (control) {
      if (!control.name || !control.id) { return; }
      var existing = document.getElementById(control.id + "-message");
      var text = unsaved.indexOf(control.name) >= 0
        ? "Ta odgovor je shranjen samo v tem brskalniku: sistem LMS ga ne more sprejeti, ker so odgovori predolgi. Skrajšajte ga."
        : "";
      if (text || (existing && existing.textContent.indexOf("samo v tem brskalniku") >= 0)) { say(control, "message", text); }
    });
  }

  function setUpCanvas(form) {
    var status = form.querySelector("[data-canvas-status]");
    restoreCanvas(form);
    function save() {
      mirrorForPrint(form);
      if (!store.set("answers", readAnswers(form))) {
        setStatus(status, "Odgovorov ni bilo mogoče trajno shraniti. Prenesite jih, da jih ne izgubite.", "warn");
      }
    }
    form.addEventListener("input", function (event) {
      if (finished()) { return; }
      keepWithinRoom(form, event.target);
      save();
      checkControls(form);
      showRoom(form);
    });
    form.addEventListener("change", function (event) {
      if (finished()) { return; }
      keepWithinRoom(form, event.target);
      save();
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (finished()) { return; }
      checkControls(form);
      if (!form.reportValidity()) {
        setStatus(status, "Izpolnite obvezna polja, preden oddate kanvas.", "warn");
        return;
      }
      save();
      store.submit(answerList(form), readAnswers(form));
      showState();
    });
    form.querySelectorAll("[data-add-row]").forEach(function (button) {
      button.addEventListener("click", function () {
        var row = addRow(document.getElementById(button.getAttribute("data-add-row")));
        if (row) {
          mirrorForPrint(form);
          addRoomNotes(form);
          row.querySelector("input, textarea, select").focus();
        } else {
          setStatus(status, "Tabela ima največje dovoljeno število vrstic.", "warn");
        }
      });
    });
    form.querySelector("[data-print]").addEventListener("click", function () { window.print(); });
    form.querySelector("[data-download]").addEventListener("click", function () {
      download(form.getAttribute("data-canvas") + ".txt", answersAsText(form));
    });
    window.addEventListener("beforeprint", function () { mirrorForPrint(form); });
    addRoomNotes(form);
  }

  // The bookmark is the id of the last section heading above the top third of the view.
  function trackPosition() {
    var headings = Array.prototype.slice.call(document.querySelectorAll("main h2[id], main h1"));
    var pending = null;
    window.addEventListener("scroll", function () {
      if (pending) { return; }
      pending = setTimeout(function () {
        pending = null;
        var current = "";
        headings.forEach(function (heading) {
          if (heading.id && heading.getBoundingClientRect().top < window.innerHeight / 3) { current = heading.id; }
        });
        store.bookmark(current);
      }, 500);
    }, { passive: true });
    if (store.resumeLocation) {
      var target = document.getElementById(store.resumeLocation);
      if (target) { target.scrollIntoView(); }
    }
  }

  var exitText = "";

  function setUp() {
    showNotices(store.notices());
    store.onNotice(showNotices);
    document.querySelectorAll("form.canvas-form").forEach(setUpCanvas);
    var doneButton = document.querySelector("[data-mark-done]");
    if (doneButton) {
      doneButton.addEventListener("click", function () {
        if (!finished()) { store.complete(); }
        showState();
      });
    }
    if (store.onChange) { store.onChange(showState); }
    showState();
    // A store that loads its state later (xAPI: the State API) calls this when it arrives.
    MicroQuest.restore = function () {
      document.querySelectorAll("form.canvas-form").forEach(restoreCanvas);
      showState();
    };
    var exitButton = document.querySelector("[data-exit]");
    function offerExit() {
      if (!exitButton || !store.connected || !exitButton.hidden) { return; }
      exitButton.hidden = false;
      exitButton.addEventListener("click", function () {
        var result = store.exit();
        exitButton.disabled = true;
        if (result && typeof result.then === "function") {
          // xAPI: saved is said when the LRS has confirmed, not before.
          exitText = TEXT.exitPending;
          result.then(function (sent) { exitText = sent ? TEXT.saved : TEXT.notSaved; showState(); });
        } else {
          exitText = result === false ? TEXT.notSaved : TEXT.saved;
        }
        showState();
      });
    }
    offerExit();
    trackPosition();
    // For people who script the page (and for the tests): state is restored, the page is live.
    document.body.setAttribute("data-ready", "");
    // A store that connects later (xAPI, cmi5) says so when it has.
    (store.ready || Promise.resolve()).then(function () {
      if (store.ready) { offerExit(); }
      document.body.setAttribute("data-connected", "");
    });
  }

  setUp();
}());
