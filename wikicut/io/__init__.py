"""Reading wikicut's inputs (job, part, profile and DXF files) and writing its output folder."""
