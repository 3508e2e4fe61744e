/* microquest page runtime: canvases that keep their answers, print and download them,
 * and an activity the learner marks done. Plain JavaScript, no request outside the page.
 * Storage goes through `MicroQuest.store`; LMS adapters replace it in packages. */
(function () {
  "use strict";

  var body = document.body;
  var courseId = body.getAttribute("data-course");
  var activityId = body.getAttribute("data-activity");

  function localStore() {
    var prefix = "microquest:" + courseId + ":" + activityId + ":";
    var available = true;
    try {
      window.localStorage.setItem(prefix + "probe", "1");
      window.localStorage.removeItem(prefix + "probe");
    } catch (error) {
      available = false;
    }
    var memory = {};
    return {
      persistent: available,
      get: function (key) {
        if (!available) { return memory[key] || null; }
        return window.localStorage.getItem(prefix + key);
      },
      set: function (key, value) {
        if (!available) { memory[key] = value; return true; }
        try {
          window.localStorage.setItem(prefix + key, value);
          return true;
        } catch (error) {
          memory[key] = value;
          return false;
        }
      }
    };
  }

  var MicroQuest = window.MicroQuest = window.MicroQuest || {};
  MicroQuest.store = MicroQuest.store || localStore();

  function setStatus(element, text, kind) {
    if (!element) { return; }
    element.textContent = text;
    element.className = element.className.replace(/\bstatus-\w+\b/g, "").trim() + (kind ? " status-" + kind : "");
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
    var html = template.innerHTML.replace(/__ROW__/g, row);
    table.tBodies[0].insertAdjacentHTML("beforeend", html);
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

  function answersAsText(form) {
    var lines = [document.title, ""];
    Array.prototype.forEach.call(form.elements, function (control) {
      if (!control.name) { return; }
      var label = labelOf(control);
      var value = control.tagName === "SELECT" && control.selectedIndex > 0
        ? control.options[control.selectedIndex].text : control.value;
      lines.push(label + ":", value || "—", "");
    });
    return lines.join("\n");
  }

  function labelOf(control) {
    var ids = (control.getAttribute("aria-labelledby") || "").split(" ").filter(Boolean);
    if (ids.length) {
      return ids.map(function (id) { return document.getElementById(id).textContent.trim(); }).join(" – ");
    }
    var label = control.labels && control.labels[0];
    return label ? label.textContent.replace(/\s*\*$/, "").trim() : control.name;
  }

  function download(name, text) {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
    link.download = name;
    document.body.appendChild(link);
    link.click();
    setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 0);
  }

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
      mirror.textContent = control.tagName === "SELECT" && control.selectedIndex > 0
        ? control.options[control.selectedIndex].text : control.value;
    });
  }

  function markDone(statusElement) {
    MicroQuest.store.set("done", "1");
    setStatus(statusElement, "Aktivnost je opravljena.", "ok");
    if (MicroQuest.onComplete) { MicroQuest.onComplete(); }
  }

  function setUpCanvas(form) {
    var status = form.querySelector("[data-canvas-status]");
    var completion = document.querySelector("[data-completion-status]");
    var saved = MicroQuest.store.get("answers");
    if (saved) {
      try { writeAnswers(form, JSON.parse(saved)); } catch (error) { /* unreadable: start empty */ }
    }
    function save() {
      mirrorForPrint(form);
      var ok = MicroQuest.store.set("answers", JSON.stringify(readAnswers(form)));
      if (!ok) {
        setStatus(status, "Odgovorov ni bilo mogoče trajno shraniti. Prenesite jih, da jih ne izgubite.", "warn");
      }
    }
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!form.reportValidity()) {
        setStatus(status, "Izpolnite obvezna polja, preden oddate kanvas.", "warn");
        return;
      }
      save();
      MicroQuest.store.set("submitted", "1");
      setStatus(status, "Kanvas je oddan.", "ok");
      markDone(completion);
    });
    form.querySelectorAll("[data-add-row]").forEach(function (button) {
      button.addEventListener("click", function () {
        var table = document.getElementById(button.getAttribute("data-add-row"));
        var row = addRow(table);
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
    // Printing shows the answers as text; kept current on every edit, since not every
    // browser fires beforeprint (e.g. printing to PDF from a headless browser).
    mirrorForPrint(form);
    window.addEventListener("beforeprint", function () { mirrorForPrint(form); });
    if (MicroQuest.store.get("submitted")) { setStatus(status, "Kanvas je oddan.", "ok"); }
  }

  function setUp() {
    var notice = document.querySelector("[data-save-notice]");
    if (notice && !MicroQuest.store.persistent) {
      notice.textContent = "Napredek se ne shranjuje: brskalnik ne dovoli shranjevanja.";
      notice.hidden = false;
    }
    document.querySelectorAll("form.canvas-form").forEach(setUpCanvas);
    var doneButton = document.querySelector("[data-mark-done]");
    var completion = document.querySelector("[data-completion-status]");
    if (doneButton) {
      doneButton.addEventListener("click", function () { markDone(completion); });
    }
    if (MicroQuest.store.get("done")) { setStatus(completion, "Aktivnost je opravljena.", "ok"); }
  }

  setUp();
}());
