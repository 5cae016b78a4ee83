// Sortable table columns (MOJ Frontend's sortable table pattern), as progressive enhancement: without
// JavaScript the table is still ranked on the server by the measure chosen in the form above it.
import { SortableTable } from '/static/vendor/moj-frontend/sortable-table.bundle.mjs'

document.querySelectorAll('[data-module="moj-sortable-table"]').forEach(function (table) {
  /* eslint-disable no-new */
  new SortableTable(table)
})
