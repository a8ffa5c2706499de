/* Warn before leaving a form with unsaved changes ("Remember to click the ACCEPT button").
 *
 * Forms that edit lvs.cf carry the class "edit-form".  A change to one of their fields marks
 * the page as changed; submitting any form (ACCEPT, TEST, a network type button) clears the
 * mark, and so does a field put back to its value.  Leaving the page otherwise asks the
 * browser's "Leave site?" question.  Without JavaScript nothing changes: every form is a
 * plain HTML form.
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

  document.addEventListener("submit", function () {
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
