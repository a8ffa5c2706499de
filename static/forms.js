/* Warn before leaving a form with unsaved changes ("Remember to click the ACCEPT button").
 *
 * Forms that edit lvs.cf carry the class "edit-form".  A change to one of their fields marks
 * the page as changed; submitting any form (ACCEPT, TEST, a network type button) clears the
 * mark, and so does a field put back to its value.  Leaving the page otherwise asks the
 * browser's "Leave site?" question.  A button of one form (REDUNDANCY's two forms, the
 * header's LOGOUT) asks before it leaves typed changes of another form unsaved ("Cancel"
 * keeps the page and the input).  Without JavaScript nothing changes: every form is a plain
 * HTML form.
 */
(function () {
  "use strict";
  var forms = document.querySelectorAll("form.edit-form");
  if (!forms.length) {
    return;
  }
  var submitting = false;

  function changed(form) {
    var fields = form.elements;
    for (var i = 0; i < fields.length; i++) {
      var field = fields[i];
      if (field.type === "hidden" || field.type === "submit" || field.type === "button") {
        continue;
      }
      if (field.type === "checkbox" || field.type === "radio") {
        if (field.checked !== field.defaultChecked) {
          return true;
        }
      } else if (field.tagName === "SELECT") {
        for (var j = 0; j < field.options.length; j++) {
          if (field.options[j].selected !== field.options[j].defaultSelected) {
            return true;
          }
        }
      } else if (field.value !== field.defaultValue) {
        return true;
      }
    }
    return false;
  }

  /* the labels of the fields of `form` that differ from the page as it came */
  function changedLabels(form) {
    var names = [];
    for (var i = 0; i < form.elements.length; i++) {
      var field = form.elements[i];
      if (field.labels && field.labels.length && changed({ elements: [field] })) {
        names.push(field.labels[0].textContent.trim());
      }
    }
    return names;
  }

  /* A button of one form never throws away what was typed in another one: it asks first,
     and "Cancel" keeps the page (and the typed input) as it is. */
  document.addEventListener("submit", function (event) {
    var lost = [];
    for (var i = 0; i < forms.length; i++) {
      if (forms[i] !== event.target && changed(forms[i])) {
        var names = changedLabels(forms[i]);
        lost = lost.concat(names.length ? names : ["a field"]);
      }
    }
    if (lost.length && !window.confirm(
        "Your changes to " + lost.join(", ") + " are in another form on this page and are " +
        "not saved by this button. Go on and lose them?")) {
      event.preventDefault();
      return;
    }
    submitting = true;
  });
  window.addEventListener("pageshow", function () {
    submitting = false;
  });
  window.addEventListener("beforeunload", function (event) {
    if (submitting) {
      return undefined;
    }
    for (var i = 0; i < forms.length; i++) {
      if (changed(forms[i])) {
        event.preventDefault();
        event.returnValue = "";
        return "";
      }
    }
    return undefined;
  });
})();

/* SEARCH of a long list (VIRTUAL SERVERS, REAL SERVER) goes through the list form, as its pager,
 * sort headings and "Show all" do (action SEARCH, the search text in the action's query
 * string): the mark boxes ticked on this page are kept by the server before the new view is
 * shown.  Without JavaScript the search form is a plain GET form. */
(function () {
  "use strict";
  var search = document.getElementById("list-search");
  var list = search && search.dataset.listForm ?
    document.getElementById(search.dataset.listForm) : null;
  if (!list) {
    return;
  }
  search.addEventListener("submit", function (event) {
    event.preventDefault();
    var action = search.dataset.action;
    var button = document.createElement("button");
    button.type = "submit";
    button.name = "action";
    button.value = "SEARCH";
    button.hidden = true;
    button.formAction = action + (action.indexOf("?") < 0 ? "?" : "&") + "q=" +
      encodeURIComponent(search.elements.q.value);
    list.appendChild(button);
    if (list.requestSubmit) {
      list.requestSubmit(button);
    } else {
      button.click();
    }
  });
})();
