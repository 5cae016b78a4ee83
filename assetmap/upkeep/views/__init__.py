"""The coordinators' pages, one module per part of the journey: asset pages (``assets``), the review queue and
community suggestions (``community``), bulk import and export (``bulk``) and the admin's terms (``terms``).
Each parses the form, calls one use case or read, and renders; none touches the database session."""
