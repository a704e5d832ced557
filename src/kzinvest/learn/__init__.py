"""Learning from real news: corpora with gold records, matching extractions to gold, and the
small models behind the extractor's judgement calls (trained by `kzinvest train`)."""
