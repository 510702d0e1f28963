/* Suggestions for the filters' text boxes (input[data-suggest]): an ARIA combobox fed by /search/suggest/.
   Without this script the text box still filters by the name typed; with it, choosing a suggestion puts the
   record's slug in the box and applies the filters. */
(function () {
  "use strict";
  var script = document.currentScript;
  var endpoint = script && script.dataset.suggestUrl;
  if (!endpoint || !window.fetch) { return; }
  var counter = 0;

  function setUp(input) {
    counter += 1;
    var listbox = document.createElement("ul");
    listbox.id = "suggestions-" + counter;
    listbox.className = "suggestions";
    listbox.setAttribute("role", "listbox");
    listbox.hidden = true;
    input.insertAdjacentElement("afterend", listbox);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listbox.id);
    var timer = null;
    var active = -1;
    var asked = "";

    function options() { return listbox.querySelectorAll("[role=option]"); }

    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var all = options();
      if (!all.length) { return; }
      active = (index + all.length) % all.length;
      all.forEach(function (option, i) { option.setAttribute("aria-selected", i === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", all[active].id);
    }

    function choose(option) {
      input.value = option.dataset.value;
      close();
      if (input.form) { input.form.submit(); }
    }

    function show(results) {
      listbox.replaceChildren();
      results.forEach(function (result, i) {
        var option = document.createElement("li");
        option.id = listbox.id + "-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.dataset.value = result.value;
        option.textContent = result.label;
        option.addEventListener("mousedown", function (event) { event.preventDefault(); choose(option); });
        listbox.appendChild(option);
      });
      listbox.hidden = results.length === 0;
      input.setAttribute("aria-expanded", results.length ? "true" : "false");
      active = -1;
    }

    function ask() {
      var text = input.value.trim();
      if (text.length < 2) { show([]); return; }
      asked = text;
      var url = endpoint + "?type=" + encodeURIComponent(input.dataset.suggest) + "&q=" + encodeURIComponent(text);
      fetch(url, { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) { if (asked === text) { show(data.results || []); } })
        .catch(function () { show([]); });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, 150);
    });
    input.addEventListener("keydown", function (event) {
      if (listbox.hidden) { return; }
      if (event.key === "ArrowDown") { event.preventDefault(); highlight(active + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
      else if (event.key === "Enter" && active >= 0) { event.preventDefault(); choose(options()[active]); }
      else if (event.key === "Escape") { close(); }
    });
    input.addEventListener("blur", close);
  }

  document.querySelectorAll("input[data-suggest]").forEach(setUp);
}());
