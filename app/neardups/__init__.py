"""Near-duplicate contents: MinHash signatures (:mod:`.minhash`), clustered over
everything scanned (:mod:`.service`, job kind ``neardups.recluster``)."""
