// The asset form's draggable pin: moving the pin fills the latitude/longitude boxes, and typing
// a position in them moves the pin. The boxes are the keyboard and no-JavaScript alternative.
(function () {
  'use strict'
  var holder = document.querySelector('.am-pin')
  if (!holder) { return }
  var marker = window[holder.getAttribute('data-marker')]
  var map = window[holder.getAttribute('data-map')]
  var lat = document.getElementById('lat')
  var lon = document.getElementById('lon')
  if (!marker || !lat || !lon) { return }

  function fromPin () {
    var at = marker.getLatLng()
    lat.value = at.lat.toFixed(6)
    lon.value = at.lng.toFixed(6)
  }

  function toPin () {
    var y = parseFloat(lat.value)
    var x = parseFloat(lon.value)
    if (isFinite(y) && isFinite(x) && y > 49.8 && y < 60.95 && x > -8.7 && x < 1.9) {
      marker.setLatLng([y, x])
      if (map) { map.panTo([y, x]) }
    }
  }

  marker.on('dragend', fromPin)
  lat.addEventListener('change', toPin)
  lon.addEventListener('change', toPin)
})()
