// Search page: pick a search point on the map instead of typing a postcode. Ward outlines are
// drawn so the map is usable on a plain background; the point goes in the form body, not the URL.
(function () {
  'use strict'
  var script = document.getElementById('am-picker-script')
  if (!script || !window.L) { return }
  var map = window[script.getAttribute('data-map')]
  var lat = document.getElementById('lat')
  var lon = document.getElementById('lon')
  var postcode = document.getElementById('postcode')
  var status = document.getElementById('picker-status')
  var centreButton = document.getElementById('picker-centre')
  if (!map || !lat || !lon || !postcode) { return }
  var marker = null
  var wards = null
  var details = document.getElementById('picker')

  function pick (latlng) {
    lat.value = latlng.lat.toFixed(6)
    lon.value = latlng.lng.toFixed(6)
    if (marker) {
      marker.setLatLng(latlng)
    } else {
      marker = L.marker(latlng, { title: 'Picked search point', alt: 'Picked search point' }).addTo(map)
    }
    postcode.value = ''
    status.textContent = 'A point is picked on the map. Search now, or type a postcode to search there instead.'
  }

  // one "Show <council>" button per local authority, so a plain-background map is quick to zoom
  function addAreaButtons (layer) {
    var box = document.getElementById('picker-areas')
    if (!box) { return }
    var bounds = {}
    layer.eachLayer(function (l) {
      var name = l.feature.properties.authority
      if (!bounds[name]) { bounds[name] = L.latLngBounds([]) }
      bounds[name].extend(l.getBounds())
    })
    Object.keys(bounds).sort().forEach(function (name) {
      var button = document.createElement('button')
      button.type = 'button'
      button.className = 'govuk-button govuk-button--secondary govuk-!-margin-bottom-0'
      button.textContent = 'Show ' + name
      button.addEventListener('click', function () { map.fitBounds(bounds[name]) })
      box.appendChild(button)
    })
  }

  function unpick () {
    lat.value = ''
    lon.value = ''
    if (marker) { map.removeLayer(marker); marker = null }
    status.textContent = ''
  }

  window.fetch(script.getAttribute('data-wards'), { credentials: 'same-origin' })
    .then(function (resp) { return resp.json() })
    .then(function (fc) {
      var layer = L.geoJSON(fc, {
        style: { color: '#505a5f', weight: 1, fillColor: '#1d70b8', fillOpacity: 0.05 },
        onEachFeature: function (f, l) { l.bindTooltip(f.properties.name + ' ward', { sticky: true }) }
      }).addTo(map)
      wards = layer
      if (!marker && layer.getBounds().isValid()) { map.fitBounds(layer.getBounds()) }
      addAreaButtons(layer)
    })
    .catch(function () { status.textContent = 'Ward outlines could not be loaded. You can still type a postcode.' })

  map.on('click', function (e) { pick(e.latlng) })
  if (details) {
    // a map drawn inside closed details has no size: redraw it when the details open
    details.addEventListener('toggle', function () {
      if (!details.open) { return }
      map.invalidateSize()
      if (marker) { map.setView(marker.getLatLng(), Math.max(map.getZoom(), 13)) } else if (wards) { map.fitBounds(wards.getBounds()) }
    })
  }
  if (centreButton) {
    centreButton.hidden = false
    centreButton.addEventListener('click', function () { pick(map.getCenter()) })
  }
  postcode.addEventListener('input', function () { if (postcode.value.trim()) { unpick() } })
  if (lat.value && lon.value && !postcode.value) {
    var ll = L.latLng(parseFloat(lat.value), parseFloat(lon.value))
    pick(ll)
    map.setView(ll, 14)
  }
})()
