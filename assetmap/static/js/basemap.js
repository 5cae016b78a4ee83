// A base map of our own when there is no background map: ward outlines with the wards' names and the
// council boundaries, drawn under everything else on every map. Used when no tile service is configured,
// or when the configured one cannot be reached (every tile fails, or none arrives within a few seconds),
// so "pick a point on a map" and the other maps stay usable offline. Loaded after Leaflet and before the
// page's map script, so the hook below sees each map as it is made.
(function () {
  'use strict'
  if (!window.L || window.AssetMapBasemap) { return }
  var script = document.getElementById('am-basemap-script')
  if (!script) { return }
  var contextUrl = script.getAttribute('data-context')
  var tilesConfigured = script.getAttribute('data-tiles') === 'yes'
  var TILE_WAIT_MS = 6000
  var FAILURES_BEFORE_FALLBACK = 2
  var WARD_LABELS_FROM_ZOOM = 12
  var context = null

  function load () {
    if (!context) {
      context = window.fetch(contextUrl, { credentials: 'same-origin' }).then(function (resp) {
        if (!resp.ok) { throw new Error('HTTP ' + resp.status) }
        return resp.json()
      })
    }
    return context
  }

  function escapeHtml (text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]
    })
  }

  function labels (fc, className, pane) {
    var group = L.layerGroup()
    fc.features.forEach(function (f) {
      var at = f.properties.label
      L.marker([at[1], at[0]], {
        icon: L.divIcon({ className: className, html: '<span aria-hidden="true">' + escapeHtml(f.properties.name) + '</span>', iconSize: null }),
        interactive: false, keyboard: false, pane: pane
      }).addTo(group)
    })
    return group
  }

  function draw (map) {
    if (map._amBasemap) { return }
    map._amBasemap = true
    map.createPane('am-basemap').style.zIndex = 250
    map.createPane('am-basemap-labels').style.zIndex = 450
    map.getPane('am-basemap').style.pointerEvents = 'none'
    map.getPane('am-basemap-labels').style.pointerEvents = 'none'
    map.getContainer().classList.add('am-basemap-on')
    load().then(function (layers) {
      var opts = { pane: 'am-basemap', interactive: false }
      L.geoJSON(layers.wards, L.extend({ style: { color: '#6f777b', weight: 1, opacity: 0.9, fill: false } }, opts)).addTo(map)
      L.geoJSON(layers.councils, L.extend({ style: { color: '#0b0c0c', weight: 3, opacity: 0.8, fill: false } }, opts)).addTo(map)
      var wardNames = labels(layers.wards, 'am-basemap-label', 'am-basemap-labels')
      var councilNames = labels(layers.councils, 'am-basemap-label am-basemap-label--council', 'am-basemap-labels')
      function byZoom () {
        var near = map.getZoom() >= WARD_LABELS_FROM_ZOOM
        if (near) { map.removeLayer(councilNames); wardNames.addTo(map) } else { map.removeLayer(wardNames); councilNames.addTo(map) }
      }
      map.on('zoomend', byZoom)
      byZoom()
      if (map.attributionControl) {
        map.attributionControl.addAttribution('No background map: ward and council boundaries shown')
      }
    }).catch(function () { /* the page's own layers and the list still work */ })
  }

  function watchTiles (map, layer) {
    var loaded = false
    var failures = 0
    var timer = null
    function giveUp () {
      if (loaded) { return }
      layer.setOpacity(0)  // no half-drawn background under our own
      draw(map)
    }
    layer.on('tileload', function () { loaded = true; layer.setOpacity(1) })  // slow, not down: show them
    layer.on('tileerror', function () {
      failures += 1
      if (failures >= FAILURES_BEFORE_FALLBACK) { giveUp() }
    })
    // the wait starts when tiles are first asked for: a map in closed <details> asks for none until opened
    layer.on('tileloadstart', function () {
      if (!timer) { timer = window.setTimeout(giveUp, TILE_WAIT_MS) }
    })
  }

  L.Map.addInitHook(function () {
    var map = this
    var tiles = []
    map.on('layeradd', function (e) {
      if (e.layer instanceof L.TileLayer && tiles.indexOf(e.layer) < 0) {
        tiles.push(e.layer)
        watchTiles(map, e.layer)
      }
    })
    // the page's script adds its tile layer straight after making the map: look once it has run
    window.setTimeout(function () {
      if (!tilesConfigured || !tiles.length) { draw(map) }
    }, 0)
  })
  window.AssetMapBasemap = { draw: draw }
})()
