// Atrium playground: streams chat replies (Server-Sent Events over fetch, so the request can be a
// POST carrying the CSRF token) and runs one prompt on several models side by side.
(function () {
  "use strict";
  function meta(name) {
    var el = document.querySelector('meta[name="' + name + '"]');
    return el ? el.getAttribute("content") : null;
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function num(value) {
    if (value == null || String(value).trim() === "") return null;
    var n = Number(value);
    return isNaN(n) ? null : n;
  }

  // POSTs a chat turn and reads the reply as it streams. handlers: delta(text), done(summary), fail(message),
  // and clamped(tokens) when the credits left paid for a shorter reply than asked.
  function clampNote(tokens) {
    return "Reply limited to " + tokens + " tokens: that is what the credits left pay for.";
  }
  function streamChat(url, body, handlers) {
    var headers = { "Content-Type": "application/json", "Accept": "text/event-stream" };
    var header = meta("csrf-header"), token = meta("csrf-token");
    if (header && token) headers[header] = token;
    return fetch(url, { method: "POST", headers: headers, body: JSON.stringify(body), credentials: "same-origin" })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok || type.indexOf("text/event-stream") < 0) {
          return response.text().then(function (text) {
            var message = "The run failed (HTTP " + response.status + ").";
            try { message = JSON.parse(text).error.message || message; } catch (e) { /* not JSON */ }
            if (response.status === 403 && message.indexOf("403") < 0 && text.indexOf("{") !== 0) {
              message = "You may not run models in this workspace.";
            }
            handlers.fail(message, response.status);
          });
        }
        var clamped = response.headers.get("x-atrium-max-tokens-clamped");
        if (clamped && handlers.clamped) handlers.clamped(clamped);
        var reader = response.body.getReader();
        var decoder = new TextDecoder();
        var buffer = "";
        var summary = null;
        function handle(block) {
          var event = "message", data = [];
          block.split("\n").forEach(function (line) {
            if (line.indexOf("event:") === 0) event = line.slice(6).trim();
            else if (line.indexOf("data:") === 0) data.push(line.slice(5).replace(/^ /, ""));
          });
          var payload = data.join("\n");
          if (!payload || payload === "[DONE]") return;
          var json;
          try { json = JSON.parse(payload); } catch (e) { return; }
          if (event === "atrium") { summary = json; return; }
          if (json.error) { handlers.fail(json.error.message || "The stream was interrupted.", 0); return; }
          (json.choices || []).forEach(function (choice) {
            if (choice.index === 0 && choice.delta && typeof choice.delta.content === "string") {
              handlers.delta(choice.delta.content);
            }
          });
        }
        function pump() {
          return reader.read().then(function (chunk) {
            if (chunk.done) {
              if (buffer.trim()) handle(buffer);
              handlers.done(summary || {});
              return;
            }
            buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r\n/g, "\n");
            var at;
            while ((at = buffer.indexOf("\n\n")) >= 0) {
              handle(buffer.slice(0, at));
              buffer = buffer.slice(at + 2);
            }
            return pump();
          });
        }
        return pump();
      })
      .catch(function () { handlers.fail("The connection was lost.", 0); });
  }

  function metaLine(summary, model) {
    var parts = [];
    if (model) parts.push(model);
    if (summary.latency_ms != null) parts.push(summary.latency_ms + " ms");
    if (summary.input_tokens != null) parts.push((summary.input_tokens + summary.output_tokens) + " tokens");
    if (summary.credits != null) parts.push(summary.credits + " credits");
    if (summary.status && summary.status !== "ok") parts.push(summary.status);
    return parts.join(" · ");
  }

  function setupChat(form) {
    var transcript = document.getElementById("transcript");
    var error = document.getElementById("chat-error");
    var status = document.getElementById("chat-status");
    var send = document.getElementById("chat-send");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var input = form.querySelector("[name=message]");
      var text = input.value.trim();
      if (!text) return;
      error.classList.add("pg-hidden");
      var messages = [];
      transcript.querySelectorAll(".pg-msg").forEach(function (m) {
        if (m.classList.contains("pg-failed")) return;
        messages.push({ role: m.getAttribute("data-role"), content: m.querySelector(".pg-text").textContent });
      });
      messages.push({ role: "user", content: text });
      var empty = transcript.querySelector(".pg-empty");
      if (empty) empty.remove();
      var mine = el("div", "pg-msg pg-user");
      mine.setAttribute("data-role", "user");
      mine.appendChild(el("p", "pg-role", "user"));
      mine.appendChild(el("div", "pg-text", text));
      transcript.appendChild(mine);
      var reply = el("div", "pg-msg pg-assistant pg-streaming");
      reply.setAttribute("data-role", "assistant");
      reply.appendChild(el("p", "pg-role", "assistant"));
      var body = el("div", "pg-text", "");
      reply.appendChild(body);
      var info = el("p", "pg-meta", "writing…");
      reply.appendChild(info);
      transcript.appendChild(reply);
      input.value = "";
      send.disabled = true;
      status.textContent = "Streaming…";
      var system = form.querySelector("[name=system]");
      var model = form.querySelector("[name=model]").value;
      streamChat(form.getAttribute("action"), {
        model: model,
        system: system ? system.value : "",
        temperature: num(form.querySelector("[name=temperature]").value),
        max_tokens: num(form.querySelector("[name=max_tokens]").value),
        messages: messages,
        conversation_id: form.getAttribute("data-conversation") || ""
      }, {
        delta: function (t) { body.textContent += t; },
        clamped: function (tokens) {
          var note = el("p", "pg-meta pg-clamped", clampNote(tokens));
          reply.appendChild(note);
        },
        done: function (summary) {
          reply.classList.remove("pg-streaming");
          if (!summary.status && !body.textContent) return;
          info.textContent = metaLine(summary, model);
          info.classList.add("pg-charged");
          if (summary.conversation_id) form.setAttribute("data-conversation", summary.conversation_id);
          send.disabled = false;
          status.textContent = summary.credits != null ? "Charged " + summary.credits + " credits." : "";
        },
        fail: function (message) {
          reply.classList.remove("pg-streaming");
          send.disabled = false;
          status.textContent = "";
          if (!body.textContent) {
            reply.remove();
            mine.classList.add("pg-failed");
            input.value = text;
          }
          error.textContent = message;
          error.classList.remove("pg-hidden");
        }
      });
    });
  }

  function setupCompare(form) {
    var results = document.getElementById("compare-results");
    var error = document.getElementById("compare-error");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var models = Array.prototype.map.call(form.querySelectorAll("[name=models]:checked"), function (c) { return c.value; });
      var prompt = form.querySelector("[name=prompt]").value.trim();
      if (models.length < 2) {
        error.textContent = "Pick at least two models to compare.";
        error.classList.remove("pg-hidden");
        return;
      }
      if (!prompt) return;
      error.classList.add("pg-hidden");
      results.textContent = "";
      models.forEach(function (model) {
        var column = el("article", "panel pg-column pg-streaming");
        column.setAttribute("data-model", model);
        column.appendChild(el("h2", null, model));
        var body = el("div", "pg-text", "");
        column.appendChild(body);
        var info = el("p", "pg-meta", "writing…");
        column.appendChild(info);
        results.appendChild(column);
        var started = Date.now();
        streamChat(form.getAttribute("action"), {
          model: model,
          system: form.querySelector("[name=system]").value,
          temperature: num(form.querySelector("[name=temperature]").value),
          max_tokens: num(form.querySelector("[name=max_tokens]").value),
          messages: [{ role: "user", content: prompt }]
        }, {
          delta: function (t) { body.textContent += t; },
          clamped: function (tokens) { column.appendChild(el("p", "pg-meta pg-clamped", clampNote(tokens))); },
          done: function (summary) {
            column.classList.remove("pg-streaming");
            if (!summary.status && !body.textContent) return;
            if (summary.latency_ms == null) summary.latency_ms = Date.now() - started;
            info.textContent = metaLine(summary, null);
            info.classList.add("pg-charged");
            column.classList.add("pg-done");
          },
          fail: function (message) {
            column.classList.remove("pg-streaming");
            column.classList.add("pg-done");
            info.textContent = message;
            info.classList.add("pg-error");
          }
        });
      });
    });
  }

  // Run forms (image, speech, transcription) show the gateway's refusals (402, 403, 4xx) as fragments.
  // htmx fires beforeSwap on the target (the results list): the form that asked is the request's elt.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var source = event.detail.requestConfig ? event.detail.requestConfig.elt : null;
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (source && source.closest && source.closest("[data-pg-run]") && status >= 400 && status < 500) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    if (form && form.hasAttribute && form.hasAttribute("data-pg-run")) {
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (form && form.hasAttribute && form.hasAttribute("data-pg-run")) {
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; });
      var empty = document.querySelector("#media-results .pg-empty");
      if (empty) empty.remove();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var chat = document.getElementById("chat-form");
    if (chat) setupChat(chat);
    var compare = document.getElementById("compare-form");
    if (compare) setupCompare(compare);
    var transcript = document.getElementById("transcript");
    if (transcript) transcript.scrollTop = transcript.scrollHeight;
  });
})();
