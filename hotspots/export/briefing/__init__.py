"""The PDF briefing (briefing.pdf) and the public PDF: pages, figures and the text layout."""
