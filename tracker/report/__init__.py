"""The weekly status report: `data.py` builds it from the model and the event log;
`markdown.py`, `html.py` and `json.py` render it; `i18n.py` holds its words. Writing
it to a file is `tracker.files.save`."""
