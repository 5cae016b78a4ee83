// Shortlist buttons: add or remove without reloading the page, so a keyboard user keeps their place.
// Without JavaScript the form posts and the page comes back at the same result (#r-<id>).
(function () {
  'use strict'
  if (!window.fetch || !window.FormData) return
  var status = document.getElementById('am-shortlist-status')
  var counts = document.querySelectorAll('[data-shortlist-count]')
  var forms = document.querySelectorAll('form[data-shortlist]')
  Array.prototype.forEach.call(forms, function (form) {
    form.addEventListener('submit', function (event) {
      event.preventDefault()
      var button = form.querySelector('button')
      button.disabled = true
      fetch(form.action, {
        method: 'POST',
        body: new FormData(form),
        headers: { Accept: 'application/json' },
        credentials: 'same-origin'
      }).then(function (resp) {
        return resp.json().then(function (body) { return { ok: resp.ok, body: body } })
      }).then(function (r) {
        button.disabled = false
        if (!r.ok) { if (status) status.textContent = r.body.error || 'That did not work. Try again.'; return }
        var inList = r.body.in_list
        form.action = inList ? form.getAttribute('data-remove') : form.getAttribute('data-add')
        var hidden = button.querySelector('.govuk-visually-hidden')
        button.textContent = button.getAttribute(inList ? 'data-remove-label' : 'data-add-label')
        if (hidden) button.appendChild(hidden)
        Array.prototype.forEach.call(counts, function (c) { c.textContent = r.body.count })
        if (status) status.textContent = r.body.message
        button.focus()
      }).catch(function () {
        button.disabled = false
        form.submit()
      })
    })
  })
})()
