// Start GOV.UK Frontend components (error summary focus, header menu, buttons).
import { initAll } from '/static/vendor/govuk-frontend/govuk-frontend.min.js'
initAll()
