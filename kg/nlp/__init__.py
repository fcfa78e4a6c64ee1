"""spaCy pipeline loading and kg's language data (word lists and patterns under data/)."""
