"""The asset directory: validated records in, ORUK-shaped rows out."""
