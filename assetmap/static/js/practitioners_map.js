// Results map: load the markers inside the current view from the JSON endpoint into the cluster
// layer, so a search with thousands of results never inlines thousands of markers in the page.
// A view holding many results comes back as grid clusters counted by the server (a count and a
// position each): they are drawn as numbered buttons that zoom in; the list below has every result.
(function () {
  'use strict'
  var box = document.getElementById('am-results-map')
  if (!box || !window.L) { return }
  var map = window[box.getAttribute('data-map')]
  var cluster = window[box.getAttribute('data-cluster')]
  var url = box.getAttribute('data-features')
  var status = document.getElementById('am-map-status')
  if (!map || !cluster || !url) { return }
  var METRES_PER_MILE = 1609.344
  var seq = 0
  var groups = null
  var timer = null

  function say (text) { if (status) { status.textContent = text } }

  function milesText (metres) {
    var miles = metres / METRES_PER_MILE
    if (miles < 0.1) { return 'less than 0.1 miles' }
    var text = miles < 10 ? miles.toFixed(1).replace(/\.0$/, '') : miles.toFixed(0)
    return text + (text === '1' ? ' mile' : ' miles')
  }

  function popup (p) {
    var div = document.createElement('div')
    var link = document.createElement('a')
    link.className = 'govuk-link'
    link.href = p.url
    link.textContent = p.name
    div.appendChild(link)
    var dist = document.createElement('p')
    dist.className = 'govuk-body-s'
    dist.textContent = milesText(p.distance_m) + ' from the search area'
    div.appendChild(dist)
    return div
  }

  function group (f) {
    var c = f.geometry.coordinates
    var n = f.properties.count
    var label = n.toLocaleString('en-GB') + ' results here: zoom in'
    var size = n < 100 ? 34 : (n < 10000 ? 44 : 54)
    var icon = L.divIcon({
      className: 'am-grid-cluster',
      html: '<span aria-hidden="true">' + n.toLocaleString('en-GB') + '</span><span class="govuk-visually-hidden">' + label + '</span>',
      iconSize: [size, size]
    })
    var m = L.marker([c[1], c[0]], { icon: icon, title: label, alt: label, keyboard: true })
    m.on('click', function () { map.setView([c[1], c[0]], Math.min(map.getZoom() + 2, map.getMaxZoom())) })
    return m
  }

  function draw (fc) {
    cluster.clearLayers()
    if (groups) { groups.clearLayers() }
    var singles = []
    fc.features.forEach(function (f) {
      if (f.properties.cluster) {
        if (!groups) { groups = L.layerGroup().addTo(map) }
        groups.addLayer(group(f))
      } else {
        var c = f.geometry.coordinates
        singles.push(L.marker([c[1], c[0]], { title: f.properties.name, alt: f.properties.name, keyboard: true })
          .bindPopup(popup(f.properties)))
      }
    })
    cluster.addLayers(singles)
    if (fc.clustered) {
      say('This part of the map has ' + fc.results_in_view.toLocaleString('en-GB') +
        ' results, shown as numbered groups. Zoom in to see each one, or use the list.')
    } else {
      say(fc.features.length === 1 ? 'One result with a place is in this part of the map.'
        : fc.features.length + ' results with a place are in this part of the map.')
    }
  }

  function load () {
    var centre = map.getCenter()
    var r = Math.max(50, Math.min(60000, Math.ceil(centre.distanceTo(map.getBounds().getNorthEast()))))
    var mine = ++seq
    var sep = url.indexOf('?') >= 0 ? '&' : '?'
    var size = map.getSize()
    var px = Math.max(50, Math.min(10000, Math.round(Math.min(size.x, size.y))))
    var query = 'lat=' + centre.lat.toFixed(5) + '&lon=' + centre.lng.toFixed(5) + '&r=' + r + '&px=' + px
    window.fetch(url + sep + query, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (resp) {
        if (!resp.ok) { throw new Error('HTTP ' + resp.status) }
        return resp.json()
      })
      .then(function (fc) { if (mine === seq) { draw(fc) } })
      .catch(function () { say('The map could not load the results just now. The list below has them all.') })
  }

  map.on('moveend', function () {
    window.clearTimeout(timer)
    timer = window.setTimeout(load, 250)
  })
  load()
})()
