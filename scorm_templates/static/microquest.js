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

  function markDone(statusElement) {
    store.set("done", true);
    store.complete();
    setStatus(statusElement, "Aktivnost je opravljena.", "ok");
  }

  function restoreCanvas(form) {
    var saved = store.get("answers");
    if (saved) { writeAnswers(form, saved); }
    mirrorForPrint(form);
    if (store.get("submitted")) { setStatus(form.querySelector("[data-canvas-status]"), "Kanvas je oddan.", "ok"); }
  }

  // The browser's own messages are in its language ("Please fill out this field."): the course says it in Slovenian.
  function characters(n) {
    var rest = n % 100;
    return rest === 1 ? "znak" : rest === 2 ? "znaka" : rest === 3 || rest === 4 ? "znaki" : "znakov";
  }

  function validityMessage(control) {
    var max = control.maxLength;
    if (max > 0 && control.value.length > max) { return "Največ " + max + " " + characters(max) + "."; }
    if (!control.required || control.value.trim()) { return ""; }
    var table = control.closest("table");
    var anyFilled = table && Array.prototype.some.call(
      table.querySelectorAll("input, textarea, select"), function (other) { return other.value.trim(); });
    return table && !anyFilled ? "Izpolnite vsaj eno vrstico tabele." : "Izpolnite to polje.";
  }

  function checkControls(form) {
    Array.prototype.forEach.call(form.elements, function (control) {
      if (control.name && control.setCustomValidity) { control.setCustomValidity(validityMessage(control)); }
    });
  }

  function setUpCanvas(form) {
    var status = form.querySelector("[data-canvas-status]");
    var completion = document.querySelector("[data-completion-status]");
    restoreCanvas(form);
    function save() {
      mirrorForPrint(form);
      if (!store.set("answers", readAnswers(form))) {
        setStatus(status, "Odgovorov ni bilo mogoče trajno shraniti. Prenesite jih, da jih ne izgubite.", "warn");
      }
    }
    form.addEventListener("input", save);
    form.addEventListener("input", function () { checkControls(form); });
    form.addEventListener("change", save);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      checkControls(form);
      if (!form.reportValidity()) {
        setStatus(status, "Izpolnite obvezna polja, preden oddate kanvas.", "warn");
        return;
      }
      save();
      store.set("submitted", true);
      store.recordAnswers(answerList(form), readAnswers(form));
      setStatus(status, "Kanvas je oddan.", "ok");
      markDone(completion);
    });
    form.querySelectorAll("[data-add-row]").forEach(function (button) {
      button.addEventListener("click", function () {
        var row = addRow(document.getElementById(button.getAttribute("data-add-row")));
        if (row) {
          mirrorForPrint(form);
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

  function setUp() {
    showNotices(store.notices());
    store.onNotice(showNotices);
    document.querySelectorAll("form.canvas-form").forEach(setUpCanvas);
    var completion = document.querySelector("[data-completion-status]");
    var doneButton = document.querySelector("[data-mark-done]");
    if (doneButton) { doneButton.addEventListener("click", function () { markDone(completion); }); }
    if (store.get("done")) { setStatus(completion, "Aktivnost je opravljena.", "ok"); }
    // A store that loads its state later (xAPI: the State API) calls this when it arrives.
    MicroQuest.restore = function () {
      document.querySelectorAll("form.canvas-form").forEach(restoreCanvas);
      if (store.get("done")) { setStatus(completion, "Aktivnost je opravljena.", "ok"); }
    };
    var exitButton = document.querySelector("[data-exit]");
    function offerExit() {
      if (!exitButton || !store.connected) { return; }
      exitButton.hidden = false;
      exitButton.addEventListener("click", function () {
        store.exit();
        exitButton.disabled = true;
        setStatus(completion, "Napredek je shranjen. Okno lahko zaprete.", "ok");
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
