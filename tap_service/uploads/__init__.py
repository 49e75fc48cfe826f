"""TAP UPLOAD: tables a query brings along, as TAP_UPLOAD.<name> for that query only."""
