"""kg: event-centric knowledge graphs from news articles, with evidence for every fact."""
__version__ = "0.1.0"
