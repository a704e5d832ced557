"""yargy grammars of our own, one grammar per module (natasha style)."""
