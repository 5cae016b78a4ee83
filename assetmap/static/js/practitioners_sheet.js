// Connection sheet: show the print button (it needs JavaScript; browsers' own Print works without it).
(function () {
  'use strict'
  var buttons = document.querySelectorAll('.am-print-button')
  Array.prototype.forEach.call(buttons, function (button) {
    button.hidden = false
    button.addEventListener('click', function () { window.print() })
  })
})()
