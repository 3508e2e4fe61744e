/* microquest xAPI statements: what xapi.js sends, made from the page's statement plan
 * (builder/formats/statement_plan.py, in the page as #mq-statements) and the launch.
 * Pure: nothing here is sent or stored, and the launch's credentials are never read.
 * A plain script loaded before xapi.js on the pages of xAPI and cmi5 packages:
 * window.MicroquestStatements.
 */
(function () {
  "use strict";

  var standard = document.body.getAttribute("data-standard");

  function uuid() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  // cmi5 orders a session's statements by timestamp (§9.7): two made in the same
  // millisecond (a canvas submitted and its activity completed) must not tie.
  var lastStamp = 0;
  function nextTimestamp() {
    lastStamp = Math.max(Date.now(), lastStamp + 1);
    return new Date(lastStamp).toISOString();
  }

  function statementBuilder(launch, plan, launchData, sessionId) {
    var cmi5 = standard === "cmi5";
    var contextTemplate = launchData && launchData.contextTemplate ? launchData.contextTemplate : {};
    var profile = { objectType: "Activity", id: plan.profile,
      definition: { type: "http://adlnet.gov/expapi/activities/profile" } };
    // cmi5: the object is the LMS's activityId for this AU, never the AU's own id (§9.4).
    var page = cmi5
      ? { objectType: "Activity", id: launch.activityId, definition: plan.activity.definition }
      : plan.activity;

    function copy(value) { return JSON.parse(JSON.stringify(value)); }

    // cmi5 §9.6: the context template is the base and is added to, never overwritten.
    function context(parts) {
      var made = copy(contextTemplate);
      if (launch.registration) { made.registration = launch.registration; }
      made.language = plan.language;
      var activities = made.contextActivities || {};
      ["parent", "grouping", "category"].forEach(function (key) {
        var extra = parts[key] || [];
        if (extra.length) { activities[key] = (activities[key] || []).concat(copy(extra)); }
      });
      made.contextActivities = activities;
      return made;
    }

    function statement(verb, object, result, ctx) {
      var made = { id: uuid(), actor: launch.actor, verb: copy(plan.verbs[verb]), object: copy(object),
        context: ctx, timestamp: nextTimestamp() };
      if (result) { made.result = result; }
      return made;
    }

    return {
      cmi5Defined: function (verb, result) {
        var categories = [{ id: plan.cmi5.categories.cmi5 }, profile];
        // moveon only on statements whose result carries completion or success (§9.6.2.2).
        if (result && (result.completion !== undefined || result.success !== undefined)) {
          categories.splice(1, 0, { id: plan.cmi5.categories.moveon });
        }
        return statement(verb, page, result, context({ category: categories }));
      },
      activityCompleted: function (duration) {
        return statement("completed", page, { completion: true, duration: duration },
          context({ parent: [plan.unit], grouping: [plan.course], category: [profile] }));
      },
      canvasSubmitted: function (responses) {
        var extensions = {};
        extensions[plan.extensions.responses] = responses;
        var canvas = { objectType: "Activity", id: plan.canvas.id, definition: plan.canvas.definition };
        return statement("submitted", canvas, { completion: true, extensions: extensions },
          context({ parent: [page], grouping: [plan.unit, plan.course], category: [profile] }));
      },
      courseCompleted: function () {
        return statement("completed", plan.course, { completion: true }, context({ category: [profile] }));
      },
      sessionId: sessionId
    };
  }

  function responses(plan, answers) {
    // {field IRI: text} and, for a table, {field IRI: [{column id: text}, …]} in row order.
    var extensions = {};
    Object.keys(plan.canvas.fields).forEach(function (fieldId) {
      var field = plan.canvas.fields[fieldId];
      if (field.columns) {
        var rows = [];
        Object.keys(answers).forEach(function (name) {
          var match = /^([^.]+)\.(\d+)\.(.+)$/.exec(name);
          if (!match || match[1] !== fieldId) { return; }
          var index = parseInt(match[2], 10) - 1;
          rows[index] = rows[index] || {};
          rows[index][match[3]] = answers[name];
        });
        rows = rows.filter(function (row) { return row; });
        if (rows.length) { extensions[field.id] = rows; }
      } else if (answers[fieldId] !== undefined && answers[fieldId] !== "") {
        extensions[field.id] = answers[fieldId];
      }
    });
    return extensions;
  }

  window.MicroquestStatements = { builder: statementBuilder, responses: responses };
}());
