"""The Excel workbook (hotspots.xlsx): the sheets and the row formatting they share."""
