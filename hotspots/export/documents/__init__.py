"""The Word documents: the evidence pack and the StreetSafe update (you said, we did) with its public files."""
