// Coverage maps: area tooltips and click-through, the deprivation layer, asset markers, the print button.
// Loaded before folium's map script, which calls these by name. Text goes in with textContent, never as HTML.
(function () {
  'use strict'

  function lines (texts) {
    var box = document.createElement('div')
    texts.forEach(function (text, i) {
      var line = document.createElement(i === 0 ? 'strong' : 'div')
      line.textContent = text
      box.appendChild(line)
    })
    return box
  }

  // Google encoded polyline (lat, lon to 5 decimals), as mapping.encode_ring writes it
  function decode (str) {
    var i = 0; var lat = 0; var lng = 0; var out = []
    while (i < str.length) {
      var d = [0, 0]
      for (var k = 0; k < 2; k++) {
        var b; var shift = 0; var result = 0
        do {
          b = str.charCodeAt(i++) - 63
          result |= (b & 0x1f) << shift
          shift += 5
        } while (b >= 0x20)
        d[k] = (result & 1) ? ~(result >> 1) : (result >> 1)
      }
      lat += d[0]; lng += d[1]
      out.push([lat / 1e5, lng / 1e5])
    }
    return out
  }

  function bindArea (layer, area) {
    var imd = area.imd ? 'IMD decile ' + area.imd : 'IMD decile not known'
    layer.bindTooltip(lines([area.name, area.value, imd, 'Select to open its page']), { sticky: true })
    if (area.url) {
      layer.on('click', function () { window.location.href = area.url })
    }
  }

  function polygon (latlngs, fill) {
    return L.polygon(latlngs, { fillColor: fill, fillOpacity: 0.75, color: '#0b0c0c', weight: 1 })
  }

  // each area arrives as a list (see mapping.js_data): [name, url, value, imd, fill, hatch, rings]
  function areaLayer (rows) {
    var group = L.featureGroup()
    rows.forEach(function (row) {
      var area = { name: row[0], url: row[1], value: row[2], imd: row[3], fill: row[4], hatch: row[5] }
      var layer = polygon(row[6].map(function (rings) { return rings.map(decode) }), area.fill)
      layer.area = area
      bindArea(layer, area)
      layer.addTo(group)
    })
    return group
  }

  var SVG = 'http://www.w3.org/2000/svg'

  // diagonal hatching patterns in the map's own SVG, so need is drawn over the gap colours, not instead
  function addPatterns (map) {
    var svg = map.getPanes().overlayPane.querySelector('svg')
    if (!svg || svg.querySelector('#am-hatch-dense')) return
    var defs = document.createElementNS(SVG, 'defs')
    ;[['am-hatch-dense', 6, 2], ['am-hatch-sparse', 12, 1.5]].forEach(function (p) {
      var pattern = document.createElementNS(SVG, 'pattern')
      pattern.setAttribute('id', p[0])
      pattern.setAttribute('patternUnits', 'userSpaceOnUse')
      pattern.setAttribute('width', p[1])
      pattern.setAttribute('height', p[1])
      pattern.setAttribute('patternTransform', 'rotate(45)')
      var line = document.createElementNS(SVG, 'line')
      line.setAttribute('x1', 0); line.setAttribute('y1', 0)
      line.setAttribute('x2', 0); line.setAttribute('y2', p[1])
      line.setAttribute('stroke', '#0b0c0c')
      line.setAttribute('stroke-width', p[2])
      pattern.appendChild(line)
      defs.appendChild(pattern)
    })
    svg.insertBefore(defs, svg.firstChild)
  }

  function hatchLayer (source, group, map) {
    source.eachLayer(function (layer) {
      if (!layer.area.hatch) return
      L.polygon(layer.getLatLngs(), {
        stroke: false, fillOpacity: 1, interactive: false, className: 'am-hatch am-hatch-' + layer.area.hatch
      }).addTo(group)
    })
    addPatterns(map)
    map.on('overlayadd', function () { addPatterns(map) })
  }

  function assetMarker (row) {
    var marker = L.circleMarker([row[0], row[1]], {
      radius: 6, color: '#0b0c0c', weight: 2, fillColor: '#ffffff', fillOpacity: 1
    })
    var name = document.createElement('span')
    name.textContent = row[2]
    marker.bindTooltip(name)
    return marker
  }

  function assetCluster (rows, options) {
    var cluster = L.markerClusterGroup(options)
    rows.forEach(function (row) { assetMarker(row).addTo(cluster) })
    return cluster
  }

  window.AssetMapCoverage = { areaLayer: areaLayer, hatchLayer: hatchLayer, assetMarker: assetMarker, assetCluster: assetCluster, decode: decode }

  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('[data-print]').forEach(function (button) {
      button.addEventListener('click', function () { window.print() })
    })
  })
})()
