/* microquest codec: the page's state as SCORM's suspend_data keeps it, LZW over UTF-8 written
 * as URL-safe base64 ("Z" + length + ":" + codes) or plain JSON ("J" + JSON), whichever is
 * shorter. suspend_data is 4096 characters in SCORM 1.2 (64000 where the LMS allows more):
 * Slovenian answers only fit compressed. A plain script before lms.js: window.MicroquestCodec
 * (and MicroQuest.codec, for people who script the page and for the tests).
 */
(function () {
  "use strict";

  var MicroQuest = window.MicroQuest = window.MicroQuest || {};
  MicroQuest.lmsErrors = MicroQuest.lmsErrors || [];

  var DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  function widthFor(next) {
    var width = 9;
    while (next > (1 << width)) { width += 1; }
    return width;
  }

  function lzwEncode(bytes) {
    var out = [];
    var bits = 0;
    var bitCount = 0;
    function emit(code, width) {
      for (var i = width - 1; i >= 0; i -= 1) {
        bits = (bits << 1) | ((code >> i) & 1);
        bitCount += 1;
        if (bitCount === 6) { out.push(DIGITS.charAt(bits)); bits = 0; bitCount = 0; }
      }
    }
    if (!bytes.length) { return ""; }
    var dictionary = new Map();
    var next = 256;
    var current = bytes[0];
    for (var i = 1; i < bytes.length; i += 1) {
      var key = current * 256 + bytes[i];
      var known = dictionary.get(key);
      if (known !== undefined) {
        current = known;
      } else {
        emit(current, widthFor(next));
        dictionary.set(key, next);
        next += 1;
        current = bytes[i];
      }
    }
    emit(current, widthFor(next));
    if (bitCount) { out.push(DIGITS.charAt(bits << (6 - bitCount))); }
    return out.join("");
  }

  function lzwDecode(text, length) {
    var bytes = new Uint8Array(length);
    var written = 0;
    var entries = [];
    for (var b = 0; b < 256; b += 1) { entries.push([b]); }
    var bits = 0;
    var bitCount = 0;
    var position = 0;
    function read(width) {
      while (bitCount < width) {
        var value = DIGITS.indexOf(text.charAt(position));
        if (value < 0) { throw new Error("corrupt data"); }
        position += 1;
        bits = (bits * 64) + value;
        bitCount += 6;
      }
      bitCount -= width;
      var code = Math.floor(bits / Math.pow(2, bitCount));
      bits -= code * Math.pow(2, bitCount);
      return code;
    }
    var previous = entries[read(9)];
    bytes.set(previous, 0);
    written = previous.length;
    while (written < length) {
      var code = read(widthFor(entries.length + 1));
      var entry;
      if (code < entries.length) {
        entry = entries[code];
      } else if (code === entries.length) {
        entry = previous.concat([previous[0]]);
      } else {
        throw new Error("corrupt data");
      }
      bytes.set(entry, written);
      written += entry.length;
      entries.push(previous.concat([entry[0]]));
      previous = entry;
    }
    return bytes;
  }

  function encodeState(state) {
    var json = JSON.stringify(state);
    var bytes = new TextEncoder().encode(json);
    var packed = "Z" + bytes.length.toString(36) + ":" + lzwEncode(bytes);
    return packed.length < json.length + 1 ? packed : "J" + json;
  }

  function decodeState(text) {
    if (!text) { return null; }
    try {
      if (text.charAt(0) === "J") { return JSON.parse(text.slice(1)); }
      if (text.charAt(0) === "Z") {
        var colon = text.indexOf(":");
        var length = parseInt(text.slice(1, colon), 36);
        return JSON.parse(new TextDecoder().decode(lzwDecode(text.slice(colon + 1), length)));
      }
    } catch (error) {
      MicroQuest.lmsErrors.push("unreadable suspend_data: " + error.message);
    }
    return null;
  }

  window.MicroquestCodec = MicroQuest.codec = { encode: encodeState, decode: decodeState };
}());

