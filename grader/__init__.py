"""deepgrade: auto-graded deep-learning fundamentals exercises."""
