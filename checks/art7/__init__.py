"""GIPA Art. 7 disclosure detection: the category taxonomy (config/disclosure/art7.yaml), date parsing,
the page analyzer run in the crawler's single parse, and the detection over the stored page facts."""
