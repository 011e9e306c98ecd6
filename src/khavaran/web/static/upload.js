// Upload progress for forms marked data-progress="<id of a <progress>>": the
// form is sent by XMLHttpRequest so that the bytes sent can be shown; the
// answer (the new page, or the form with its errors) then replaces this page.
// Without JavaScript the form is sent as usual, without a progress bar.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var bar = form.dataset && form.dataset.progress && document.getElementById(form.dataset.progress);
  if (!bar) return;
  event.preventDefault();
  var xhr = new XMLHttpRequest();
  xhr.open("POST", form.action);
  bar.hidden = false;
  xhr.upload.addEventListener("progress", function (e) {
    if (e.lengthComputable) bar.value = Math.floor((100 * e.loaded) / e.total);
  });
  xhr.addEventListener("load", function () {
    // Redirected (the answer's address is not the form's): go there.  Otherwise
    // the answer is a page for this address (a form with its errors, a verdict).
    if (xhr.status < 300 && xhr.responseURL && xhr.responseURL !== form.action) {
      window.location.assign(xhr.responseURL);
      return;
    }
    var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
    document.replaceChild(document.adoptNode(page.documentElement), document.documentElement);
  });
  xhr.addEventListener("error", function () {
    bar.hidden = true;
    form.querySelector("button[type=submit]").disabled = false;
  });
  form.querySelector("button[type=submit]").disabled = true;
  xhr.send(new FormData(form));
});
